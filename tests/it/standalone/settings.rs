//! Settings rules: defaults, the environment over the file, `client.properties` passed to
//! librdkafka as it is, clear errors naming the key, and secrets kept out of `Debug`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use kafka_live::server::config::Settings;
use kafka_live::server::config::settings::{Cluster, kafka_from_toml};
use kafka_live::server::config::source::SettingsError;

fn load(
    toml: &str,
    env: &[(&str, &str)],
) -> Result<kafka_live::server::config::settings::KafkaSettings, SettingsError> {
    let env: BTreeMap<&str, &str> = env.iter().copied().collect();
    kafka_from_toml(toml, Path::new("Leptos.toml"), Path::new("/srv/app"), &env)
}

fn properties_file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file
}

const CONFLUENT_CLOUD: &str = "\
# Required connection configs for Kafka producer, consumer, and admin
bootstrap.servers=pkc-12345.europe-west1.gcp.confluent.cloud:9092
security.protocol=SASL_SSL
sasl.mechanisms=PLAIN
sasl.username=ABCDEFGH12345678
sasl.password=cflt-SuperSecret/Value+1234567890

# Best practice for higher availability in librdkafka clients prior to 1.7
session.timeout.ms=45000
";

#[test]
fn nothing_configured_means_the_embedded_broker_and_the_originals_names() {
    let settings = load("", &[]).unwrap();
    assert!(matches!(settings.cluster, Cluster::Embedded(_)));
    assert_eq!(settings.bootstrap_servers(), "127.0.0.1:9092");
    assert_eq!(settings.topic, "order");
    assert_eq!(settings.consumer_group.as_str(), "kitchen-group-1");
    assert_eq!(settings.backlog, 100);
    assert_eq!(settings.produce_timeout, Duration::from_secs(10));
}

/// Every key is documented where users look, and the file shows the defaults the code uses:
/// a key added to the table without its line in `Leptos.toml` and the README fails here.
#[test]
fn every_setting_is_in_leptos_toml_and_the_readme_with_the_codes_default() {
    use kafka_live::server::config::keys::{NUMBERS, OTHERS};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = std::fs::read_to_string(root.join("Leptos.toml")).unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let parsed: toml::Table = toml::from_str(&file).unwrap();
    let keys =
        NUMBERS.iter().map(|key| (key.file, key.env)).chain(OTHERS.iter().map(|key| (key.file, key.env)));
    let mut missing = Vec::new();
    for (file_key, env) in keys {
        let key = file_key.split_once('.').unwrap().1;
        let in_file = file.lines().any(|line| {
            let line = line.trim_start_matches(['#', ' ']);
            line.starts_with(&format!("{key} =")) || line.starts_with(&format!("{key}="))
        });
        if !in_file || !file.contains(env) {
            missing.push(format!("Leptos.toml: {file_key} / {env}"));
        }
        if !readme.contains(key) || !readme.contains(env) {
            missing.push(format!("README.md: {file_key} / {env}"));
        }
    }
    assert_eq!(missing, Vec::<String>::new());
    for key in NUMBERS {
        let (table, name) = key.file.split_once('.').unwrap();
        if let Some(value) = parsed.get(table).and_then(|t| t.get(name)) {
            assert_eq!(value.as_integer(), Some(key.default), "{} in Leptos.toml", key.file);
        }
    }
}

#[test]
fn the_repositorys_leptos_toml_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("Leptos.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let settings = Settings::from_text(&text, &path, &BTreeMap::new()).unwrap();
    assert_eq!(settings.kafka.topic, "order");
    assert_eq!(&*settings.leptos.output_name, "kafka-live");
}

#[test]
fn the_environment_overrides_every_setting() {
    let file = "[kafka]\nbootstrap-servers = \"file:9092\"\ntopic = \"from-file\"\npartitions = 1\n\
                backlog = 5\nproduce-timeout-ms = 100\nconsumer-group = \"file-group\"\n\
                replication-factor = 1\nfetch-wait-max-ms = 50\nmax-message-bytes = 10\nsocket-queue = 64\n";
    let settings = load(
        file,
        &[
            ("KAFKA_BOOTSTRAP_SERVERS", "env:9092"),
            ("KAFKA_TOPIC", "from-env"),
            ("KAFKA_PARTITIONS", "6"),
            ("KAFKA_REPLICATION_FACTOR", "3"),
            ("KAFKA_BACKLOG", "250"),
            ("KAFKA_PRODUCE_TIMEOUT_MS", "2500"),
            ("KAFKA_CONSUMER_GROUP", "env-group"),
            ("KAFKA_FETCH_WAIT_MAX_MS", "1"),
            ("KAFKA_MAX_MESSAGE_BYTES", "2048"),
            ("KAFKA_SOCKET_QUEUE", "128"),
        ],
    )
    .unwrap();
    assert_eq!(settings.bootstrap_servers(), "env:9092");
    assert_eq!(settings.topic, "from-env");
    assert_eq!(settings.partitions, 6);
    assert_eq!(settings.replication_factor, Some(3));
    assert_eq!(settings.backlog, 250);
    assert_eq!(settings.produce_timeout, Duration::from_millis(2500));
    assert_eq!(settings.consumer_group.as_str(), "env-group");
    assert_eq!(settings.fetch_wait_max_ms, 1);
    assert_eq!(settings.max_message_bytes, 2048);
    assert_eq!(settings.socket_queue, 128);
}

#[test]
fn a_confluent_cloud_client_properties_file_reaches_librdkafka_as_it_is() {
    let file = properties_file(CONFLUENT_CLOUD);
    let settings = load("", &[("KAFKA_CLIENT_PROPERTIES", file.path().to_str().unwrap())]).unwrap();
    assert_eq!(
        settings.cluster,
        Cluster::External { bootstrap_servers: "pkc-12345.europe-west1.gcp.confluent.cloud:9092".into() }
    );
    let config = settings.client_config();
    assert_eq!(config.get("security.protocol"), Some("SASL_SSL"));
    assert_eq!(config.get("sasl.mechanisms"), Some("PLAIN"));
    assert_eq!(config.get("sasl.username"), Some("ABCDEFGH12345678"));
    assert_eq!(config.get("sasl.password"), Some("cflt-SuperSecret/Value+1234567890"));
    assert_eq!(config.get("session.timeout.ms"), Some("45000"));
    assert_eq!(config.get("bootstrap.servers"), Some("pkc-12345.europe-west1.gcp.confluent.cloud:9092"));

    // librdkafka accepts the whole configuration: every key is known to it and SASL_SSL is
    // available, which needs rdkafka built with TLS. No connection is made by creating it.
    let producer: Result<rdkafka::producer::BaseProducer, _> = config.create();
    assert!(producer.is_ok(), "librdkafka refused the configuration: {:?}", producer.err());
}

#[test]
fn a_client_properties_file_named_in_leptos_toml_is_relative_to_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("client.properties"), CONFLUENT_CLOUD).unwrap();
    let env = BTreeMap::new();
    let settings = kafka_from_toml(
        "[kafka]\nclient-properties = \"client.properties\"\n",
        &dir.path().join("Leptos.toml"),
        dir.path(),
        &env,
    )
    .unwrap();
    assert_eq!(settings.client_config().get("security.protocol"), Some("SASL_SSL"));
}

#[test]
fn kafka_bootstrap_servers_overrides_the_properties_file() {
    let file = properties_file(CONFLUENT_CLOUD);
    let settings = load(
        "",
        &[
            ("KAFKA_CLIENT_PROPERTIES", file.path().to_str().unwrap()),
            ("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19093"),
        ],
    )
    .unwrap();
    assert_eq!(settings.client_config().get("bootstrap.servers"), Some("127.0.0.1:19093"));
}

#[test]
fn an_unknown_key_stops_start_up_naming_it() {
    let error = load("[kafka]\ntopik = \"order\"\n", &[]).unwrap_err().to_string();
    assert!(error.contains("topik"), "{error}");
    assert!(error.contains("line 2"), "{error}");

    let error = load("[kafak]\n", &[]).unwrap_err().to_string();
    assert!(error.contains("kafak"), "{error}");

    let error = load("[package.metadata.leptos]\nsite-adr = \"x\"\n", &[]).unwrap_err().to_string();
    assert!(error.contains("site-adr"), "{error}");
}

#[test]
fn an_invalid_value_stops_start_up_naming_its_key() {
    let error = load("", &[("KAFKA_PARTITIONS", "three")]).unwrap_err().to_string();
    assert!(error.contains("KAFKA_PARTITIONS") && error.contains("three"), "{error}");

    let error = load("[kafka]\npartitions = 0\n", &[]).unwrap_err().to_string();
    assert!(error.contains("kafka.partitions"), "{error}");

    let error = load("[kafka]\ntopic = \"no spaces\"\n", &[]).unwrap_err().to_string();
    assert!(error.contains("kafka.topic"), "{error}");

    let error = load("[kafka]\nbacklog = \"many\"\n", &[]).unwrap_err().to_string();
    assert!(error.contains("backlog"), "{error}");
}

#[test]
fn an_unreadable_properties_file_stops_start_up_with_its_path() {
    let error =
        load("", &[("KAFKA_CLIENT_PROPERTIES", "/nonexistent/client.properties")]).unwrap_err().to_string();
    assert!(error.contains("KAFKA_CLIENT_PROPERTIES"), "{error}");
    assert!(error.contains("/nonexistent/client.properties"), "{error}");
}

#[test]
fn debug_output_never_shows_a_secret() {
    let file = properties_file(CONFLUENT_CLOUD);
    let settings = load("", &[("KAFKA_CLIENT_PROPERTIES", file.path().to_str().unwrap())]).unwrap();
    let shown = format!("{settings:?}");
    assert!(shown.contains("ABCDEFGH12345678"), "the username is not secret: {shown}");
    assert!(!shown.contains("SuperSecret"), "the password leaked: {shown}");
    assert!(shown.contains("<redacted>"));
}

fn load_web(
    toml: &str,
    env: &[(&str, &str)],
) -> Result<kafka_live::server::config::web::WebSettings, SettingsError> {
    let env: BTreeMap<&str, &str> = env.iter().copied().collect();
    kafka_live::server::config::settings::web_from_toml(toml, Path::new("Leptos.toml"), &env)
}

#[test]
fn access_is_open_and_limits_generous_unless_configured() {
    let web = load_web("", &[]).unwrap();
    assert_eq!(web, kafka_live::server::config::web::WebSettings::default());
    assert!(web.basic_auth.is_none() && !web.read_only);
    assert_eq!(web.max_sockets, 10_000);
}

#[test]
fn access_and_limits_come_from_the_file_and_the_environment_over_it() {
    let file = "[access]\nbasic-auth = \"ann:from-file\"\nread-only = true\n\
                [limits]\nmax-sockets = 20\nproduce-per-second = 3\nproduce-burst = 6\n";
    let web = load_web(file, &[]).unwrap();
    assert_eq!(web.basic_auth.as_ref().unwrap().user, "ann");
    assert!(web.read_only);
    assert_eq!(web.max_sockets, 20);
    assert_eq!(web.produce_rate.map(|r| (r.per_second, r.burst)), Some((3, 6)));

    let web = load_web(
        file,
        &[
            ("KAFKA_LIVE_BASIC_AUTH", "bob:from-env"),
            ("KAFKA_LIVE_READ_ONLY", "false"),
            ("KAFKA_LIVE_MAX_SOCKETS", "7"),
            ("KAFKA_LIVE_PRODUCE_PER_SECOND", "0"),
        ],
    )
    .unwrap();
    assert_eq!(web.basic_auth.as_ref().unwrap().user, "bob");
    assert!(!web.read_only);
    assert_eq!(web.max_sockets, 7);
    assert_eq!(web.produce_rate, None, "0 a second turns the limit off");
}

#[test]
fn bad_access_settings_name_their_key_and_never_echo_a_password() {
    let error = load_web("", &[("KAFKA_LIVE_BASIC_AUTH", "only-a-secret-word")]).unwrap_err().to_string();
    assert!(error.contains("KAFKA_LIVE_BASIC_AUTH"), "{error}");
    assert!(!error.contains("only-a-secret-word"), "{error}");
    let error = load_web("", &[("KAFKA_LIVE_READ_ONLY", "maybe")]).unwrap_err().to_string();
    assert!(error.contains("KAFKA_LIVE_READ_ONLY") && error.contains("maybe"), "{error}");
    let error = load_web("[access]\nopen = true\n", &[]).unwrap_err().to_string();
    assert!(error.contains("open"), "{error}");

    let web = load_web("", &[("KAFKA_LIVE_BASIC_AUTH", "ann:p4ssw0rd-in-debug")]).unwrap();
    let debug = format!("{web:?}");
    assert!(debug.contains("ann") && !debug.contains("p4ssw0rd-in-debug"), "{debug}");
}

#[test]
fn who_may_talk_to_it_comes_from_the_file_and_the_environment_over_it() {
    use kafka_live::wire::topic_access::TopicPattern;
    let file = "[access]\nallowed-hosts = [\"kafka.example.com\"]\nallowed-origins = [\"https://kafka.example.com\"]\n\
                topics-allow = [\"orders.*\"]\ntopics-deny = [\"*.secret\"]\ninternal-topics = true\ncreate-topics = false\n\
                [limits]\nsockets-per-address = 9\nproduce-bytes-per-second = 1000\nsubmit-bytes = 2000\n\
                topic-creates-per-minute = 3\ncatch-ups = 4\nping-interval-seconds = 5\n\
                header-read-timeout-seconds = 6\nshutdown-deadline-seconds = 7\n";
    let web = load_web(file, &[]).unwrap();
    assert_eq!(web.allowed_hosts, Some(vec!["kafka.example.com".to_owned()]));
    assert_eq!(web.allowed_origins[0].host, "kafka.example.com");
    assert_eq!(web.topics.allow, [TopicPattern::new("orders.*")]);
    assert_eq!(web.topics.deny, [TopicPattern::new("*.secret")]);
    assert!(web.topics.internal && !web.create_topics);
    assert_eq!(
        (
            web.sockets_per_address,
            web.produce_bytes_per_second,
            web.submit_max_bytes,
            web.topic_creates_per_minute,
            web.catch_ups
        ),
        (9, 1000, 2000, 3, 4)
    );
    assert_eq!(
        (web.ping_interval.as_secs(), web.header_read_timeout.as_secs(), web.shutdown_deadline.as_secs()),
        (5, 6, 7)
    );

    let web = load_web(
        file,
        &[
            ("KAFKA_LIVE_ALLOWED_HOSTS", "a.example, b.example"),
            ("KAFKA_LIVE_TOPICS_DENY", ""),
            ("KAFKA_LIVE_INTERNAL_TOPICS", "false"),
            ("KAFKA_LIVE_SUBMIT_BYTES", "4096"),
            ("KAFKA_LIVE_PING_INTERVAL_SECONDS", "1"),
        ],
    )
    .unwrap();
    assert_eq!(web.allowed_hosts, Some(vec!["a.example".to_owned(), "b.example".to_owned()]));
    assert!(web.topics.deny.is_empty() && !web.topics.internal);
    assert_eq!((web.submit_max_bytes, web.ping_interval.as_secs()), (4096, 1));
}

#[test]
fn bad_limits_and_origins_name_their_key() {
    for (env, key) in [
        (("KAFKA_LIVE_SUBMIT_BYTES", "0"), "KAFKA_LIVE_SUBMIT_BYTES"),
        (("KAFKA_LIVE_SOCKETS_PER_ADDRESS", "-1"), "KAFKA_LIVE_SOCKETS_PER_ADDRESS"),
        (("KAFKA_LIVE_PING_INTERVAL_SECONDS", "0"), "KAFKA_LIVE_PING_INTERVAL_SECONDS"),
        (
            ("KAFKA_LIVE_SHUTDOWN_DEADLINE_SECONDS", "9223372036854775808"),
            "KAFKA_LIVE_SHUTDOWN_DEADLINE_SECONDS",
        ),
        (("KAFKA_LIVE_ALLOWED_ORIGINS", "kafka.example.com"), "access.allowed-origins"),
        (("KAFKA_LIVE_CREATE_TOPICS", "perhaps"), "KAFKA_LIVE_CREATE_TOPICS"),
    ] {
        let error = load_web("", &[env]).unwrap_err().to_string();
        assert!(error.contains(key), "{env:?}: {error}");
    }
    let error = load("[kafka]\nsocket-queue-bytes = 10\n", &[]).unwrap_err().to_string();
    assert!(error.contains("kafka.socket-queue-bytes"), "{error}");
}

#[test]
fn a_schema_directory_is_loaded_once_at_start_up_with_its_subjects_in_order() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("end2end/schemas");
    let settings = load("", &[("KAFKA_SCHEMAS_DIR", dir.to_str().unwrap())]).unwrap();
    let subjects: Vec<String> = settings.schemas.subjects().iter().map(|s| s.schema.choice()).collect();
    assert_eq!(
        subjects,
        [
            "orders-avro-value v1 (id 1, Avro)",
            "orders-proto-value v1 (id 2, Protobuf)",
            "orders-json-value v1 (id 3, JSON Schema)"
        ]
    );
    assert_eq!(load("", &[]).unwrap().schemas.subjects(), []);
}

#[test]
fn a_schema_that_does_not_compile_stops_start_up_naming_the_setting_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("schemas.toml"),
        "[[schema]]\nfile = \"bad.avsc\"\nsubject = \"s\"\nversion = 1\nid = 1\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("bad.avsc"), "{\"type\": \"record\"}").unwrap();
    let error = load("", &[("KAFKA_SCHEMAS_DIR", dir.path().to_str().unwrap())]).unwrap_err().to_string();
    assert!(error.starts_with("setting `KAFKA_SCHEMAS_DIR`: schema directory "), "{error}");
    assert!(error.contains(": bad.avsc: "), "{error}");
    // From the file, relative to it, and the key named is the file's.
    let error = load("[kafka]\nschemas-dir = \"no-such-dir\"\n", &[]).unwrap_err().to_string();
    assert!(
        error.starts_with(
            "setting `kafka.schemas-dir`: schema directory /srv/app/no-such-dir: schemas.toml: "
        ),
        "{error}"
    );
}

#[test]
fn the_page_is_told_where_the_cluster_is_and_never_a_secret() {
    let properties = properties_file(CONFLUENT_CLOUD);
    let settings = load("", &[("KAFKA_CLIENT_PROPERTIES", properties.path().to_str().unwrap())]).unwrap();
    let connection = settings.connection();
    assert_eq!(connection.bootstrap_servers, "pkc-12345.europe-west1.gcp.confluent.cloud:9092");
    assert_eq!(connection.security_protocol.as_deref(), Some("SASL_SSL"));
    assert_eq!(connection.sasl_mechanism.as_deref(), Some("PLAIN"));
    let shown = format!("{connection:?}");
    assert!(!shown.contains("SuperSecret") && !shown.contains("ABCDEFGH12345678"), "{shown}");
}
