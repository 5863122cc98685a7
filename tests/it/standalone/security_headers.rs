//! Every page carries a Content-Security-Policy whose nonce is the one on its scripts, fresh for
//! each response; every response says `nosniff` and keeps its referrer to this origin. The
//! router is the server's own, built from clients that never reach a broker, and asked with
//! `oneshot`: headers need no Kafka.

use crate::common::offline_get as get;

fn nonce_in_policy(policy: &str) -> &str {
    let start = policy.find("'nonce-").expect("the policy names a nonce") + "'nonce-".len();
    &policy[start..start + policy[start..].find('\'').unwrap()]
}

#[tokio::test]
async fn the_page_allows_only_scripts_with_this_responses_nonce() {
    let (status, headers, html) = get("/").await;
    assert_eq!(status, 200);
    let policy = headers["content-security-policy"].to_str().unwrap().to_owned();
    assert!(policy.contains("default-src 'self'"), "{policy}");
    assert!(policy.contains("object-src 'none'"), "{policy}");
    assert!(policy.contains("'wasm-unsafe-eval'"), "the WASM module must be allowed: {policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let nonce = nonce_in_policy(&policy).to_owned();
    assert!(nonce.len() >= 16, "a nonce too short to be unguessable: {nonce}");

    let scripts = html.matches("<script").count();
    assert!(scripts > 0, "the page hydrates through a script");
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        html.matches(" nonce=\"").count(),
        "every nonce on the page is the policy's"
    );
    assert!(html.matches(&format!("nonce=\"{nonce}\"")).count() >= scripts, "every script has the nonce");

    let (_, second, _) = get("/").await;
    let again = second["content-security-policy"].to_str().unwrap();
    assert_ne!(nonce_in_policy(again), nonce, "each response gets a fresh nonce");
}

#[tokio::test]
async fn every_response_refuses_sniffing_and_keeps_its_referrer() {
    for path in ["/", "/no-such-page", "/pkg/kafka-live.css", "/healthz"] {
        let (_, headers, _) = get(path).await;
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
    }
}
