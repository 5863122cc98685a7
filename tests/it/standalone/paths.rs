//! The app is one page, at `/`; any other path that is not a file of the site is a 404 page that
//! says so and links back. Asked with `oneshot` of the server's own router: no broker needed.

use crate::common::offline_get;

#[tokio::test]
async fn the_producer_page_is_at_the_root() {
    let (status, _, html) = offline_get("/?topic=orders").await;
    assert_eq!(status, 200);
    assert_eq!(html.matches(r#"<h1 id="producer-title">Producer</h1>"#).count(), 1);
    assert_eq!(html.matches("Nothing here").count(), 0);
}

#[tokio::test]
async fn any_other_path_is_a_404_page_that_links_back() {
    for path in ["/no-such-page", "/producer", "/pkg"] {
        let (status, _, html) = offline_get(path).await;
        assert_eq!(status, 404, "{path}");
        let not_found = r#"<p class="not-found">Nothing here. <a href="/">Back to the producer</a></p>"#;
        assert_eq!(html.matches(not_found).count(), 1, "{path}: {html}");
        assert_eq!(html.matches("producer-title").count(), 0, "{path}: no producer box");
    }
}
