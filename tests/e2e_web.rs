//! Endpoint security end to end: `--web.config.file` with real TLS (a CA and
//! certificates made in the test), basic auth with right and wrong passwords,
//! mutual TLS with a client certificate, and a changed web config taking effect
//! on the next connection without a restart.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

struct Ca {
    cert: Certificate,
    key: KeyPair,
}

fn ca(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, name);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ca {
        cert: p.self_signed(&key).unwrap(),
        key,
    }
}

/// A leaf certificate signed by `ca`: (cert PEM, key PEM).
fn leaf(ca: &Ca, names: &[&str], usage: ExtendedKeyUsagePurpose) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let mut p =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, names[0]);
    p.extended_key_usages = vec![usage];
    let cert = p.signed_by(&key, &ca.cert, &ca.key).unwrap();
    (cert.pem(), key.serialize_pem())
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn config(sim: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "a"
provider = "aihc"
region = "bj"
endpoint = "http://{sim}"
interval = "1h"
access_key_id = "{ak}"
secret_access_key = "{sk}"
"#,
        ak = credentials::BCE_ACCESS_KEY_ID,
        sk = credentials::BCE_SECRET_ACCESS_KEY,
    )
}

/// A client that opens a new connection per request (the web config is
/// checked per connection), trusting `ca_pem`, optionally with a client cert.
fn client(ca_pem: &str, identity: Option<&(String, String)>, addr: &str) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap())
        .resolve("localhost", addr.parse().unwrap())
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10));
    if let Some((cert, key)) = identity {
        b = b.identity(reqwest::Identity::from_pem(format!("{cert}{key}").as_bytes()).unwrap());
    }
    b.build().unwrap()
}

async fn status(
    c: &reqwest::Client,
    port: u16,
    path: &str,
    auth: Option<(&str, &str)>,
) -> Result<u16, String> {
    let mut r = c.get(format!("https://localhost:{port}{path}"));
    if let Some((u, p)) = auth {
        r = r.basic_auth(u, Some(p));
    }
    r.send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(|e| format!("{e:?}"))
}

/// Retries until `pred` holds for the status (a new web config applies from
/// the next connection on; the file's mtime may need a moment).
async fn until(
    what: &str,
    mut f: impl FnMut() -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<u16, String>>>>,
    pred: impl Fn(&Result<u16, String>) -> bool,
) -> Result<u16, String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = f().await;
        if pred(&r) {
            return r;
        }
        assert!(Instant::now() < deadline, "{what}: last result {r:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_basic_auth_mutual_tls_and_live_changes() {
    let (_sim, sim) = simulator(100);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server_ca = ca("server CA");
    let (cert, key) = leaf(
        &server_ca,
        &["localhost", "127.0.0.1"],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    write(d, "server.crt", &cert);
    write(d, "server.key", &key);
    let client_ca = ca("client CA");
    write(d, "clients.crt", &client_ca.cert.pem());
    let good_client = leaf(
        &client_ca,
        &["prometheus"],
        ExtendedKeyUsagePurpose::ClientAuth,
    );
    let rogue_ca = ca("rogue CA");
    let rogue_client = leaf(
        &rogue_ca,
        &["prometheus"],
        ExtendedKeyUsagePurpose::ClientAuth,
    );

    let hash = bcrypt::hash("right-password", 4).unwrap();
    let web = d.join("web.yml");
    // Relative paths are relative to the web config file.
    let tls_only = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n";
    std::fs::write(
        &web,
        format!("{tls_only}basic_auth_users:\n  prometheus: {hash}\n"),
    )
    .unwrap();
    std::fs::write(d.join("config.toml"), config(&sim)).unwrap();
    let web_arg = format!("--web.config.file={}", web.display());
    let (exp, addr) = exporter_on_file(&d.join("config.toml"), &[&web_arg], false);
    let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();
    let ca_pem = server_ca.cert.pem();
    let c = client(&ca_pem, None, &addr);

    // Basic auth, over TLS.
    let ok = until(
        "TLS endpoint up",
        || {
            Box::pin(status_owned(
                c.clone(),
                port,
                "/ready",
                Some(("prometheus", "right-password")),
            ))
        },
        |r| *r == Ok(200),
    )
    .await;
    assert_eq!(ok, Ok(200), "{}", exp.stderr());
    assert_eq!(status(&c, port, "/metrics", None).await, Ok(401));
    assert_eq!(
        status(&c, port, "/metrics", Some(("prometheus", "wrong"))).await,
        Ok(401)
    );
    assert_eq!(
        status(&c, port, "/metrics", Some(("nobody", "right-password"))).await,
        Ok(401)
    );
    // Every path is protected, as exporter-toolkit does it.
    assert_eq!(status(&c, port, "/healthz", None).await, Ok(401));
    let body = c
        .get(format!("https://localhost:{port}/metrics"))
        .basic_auth("prometheus", Some("right-password"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        Metrics::parse(&body).value("aipool_up", &[("account", "a")]),
        1.0
    );
    // Plain HTTP to the TLS port gets no metrics.
    assert!(get(&addr, "/metrics", &[])
        .map(|(s, _, b)| s != 200 && !b.contains("aipool_up"))
        .unwrap_or(true));
    // A client that does not trust the server's CA refuses it.
    let untrusting = client(&rogue_ca.cert.pem(), None, &addr);
    assert!(status(
        &untrusting,
        port,
        "/metrics",
        Some(("prometheus", "right-password"))
    )
    .await
    .is_err());

    // A changed password applies from the next request, even on a kept-alive
    // connection.
    let pooled = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap())
        .resolve("localhost", addr.parse().unwrap())
        .build()
        .unwrap();
    assert_eq!(
        status(
            &pooled,
            port,
            "/metrics",
            Some(("prometheus", "right-password"))
        )
        .await,
        Ok(200)
    );
    let new_hash = bcrypt::hash("new-password", 4).unwrap();
    std::fs::write(
        &web,
        format!("{tls_only}basic_auth_users:\n  prometheus: {new_hash}\n"),
    )
    .unwrap();
    assert_eq!(
        status(
            &pooled,
            port,
            "/metrics",
            Some(("prometheus", "right-password"))
        )
        .await,
        Ok(401)
    );
    assert_eq!(
        status(
            &pooled,
            port,
            "/metrics",
            Some(("prometheus", "new-password"))
        )
        .await,
        Ok(200)
    );
    std::fs::write(
        &web,
        format!("{tls_only}basic_auth_users:\n  prometheus: {hash}\n"),
    )
    .unwrap();

    // Mutual TLS, switched on without a restart.
    std::fs::write(
        &web,
        format!(
            "{tls_only}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: clients.crt\nbasic_auth_users:\n  prometheus: {hash}\n"
        ),
    )
    .unwrap();
    let _ = until(
        "client certificate required",
        || {
            Box::pin(status_owned(
                c.clone(),
                port,
                "/metrics",
                Some(("prometheus", "right-password")),
            ))
        },
        |r| r.is_err(),
    )
    .await;
    let with_cert = client(&ca_pem, Some(&good_client), &addr);
    assert_eq!(
        status(
            &with_cert,
            port,
            "/metrics",
            Some(("prometheus", "right-password"))
        )
        .await,
        Ok(200)
    );
    assert_eq!(status(&with_cert, port, "/metrics", None).await, Ok(401));
    let rogue = client(&ca_pem, Some(&rogue_client), &addr);
    assert!(
        status(
            &rogue,
            port,
            "/metrics",
            Some(("prometheus", "right-password"))
        )
        .await
        .is_err(),
        "a certificate from another CA was accepted"
    );

    // Basic auth removed: the client certificate alone is enough.
    std::fs::write(
        &web,
        format!("{tls_only}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: clients.crt\n"),
    )
    .unwrap();
    let _ = until(
        "basic auth dropped",
        || Box::pin(status_owned(with_cert.clone(), port, "/metrics", None)),
        |r| *r == Ok(200),
    )
    .await;

    // A broken change is refused; the last good settings stay in force.
    std::fs::write(
        &web,
        "tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n",
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(status(&with_cert, port, "/metrics", None).await, Ok(200));
    assert!(status(&c, port, "/metrics", None).await.is_err());
    assert!(exp.stderr().contains("web config change not applied"));
}

async fn status_owned(
    c: reqwest::Client,
    port: u16,
    path: &'static str,
    auth: Option<(&'static str, &'static str)>,
) -> Result<u16, String> {
    status(&c, port, path, auth).await
}

#[test]
fn an_invalid_web_config_stops_startup_and_check_config_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let web = dir.path().join("web.yml");
    std::fs::write(
        &web,
        "basic_auth_users:\n  prometheus: plaintext-SECRET-pw\n",
    )
    .unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, config("127.0.0.1:9")).unwrap();
    let out = std::process::Command::new(BIN)
        .arg(format!("--config.file={}", cfg.display()))
        .arg(format!("--web.config.file={}", web.display()))
        .arg("--web.listen-address=127.0.0.1:0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a bcrypt hash"), "{err}");
    assert!(!err.contains("plaintext-SECRET-pw"), "{err}");

    let out = std::process::Command::new(BIN)
        .arg("check-config")
        .arg(&cfg)
        .arg(format!("--web.config.file={}", web.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("not a bcrypt hash"), "{text}");
    assert!(!text.contains("plaintext-SECRET-pw"), "{text}");
}
