//! `top --url`: reading a running exporter behind TLS and basic auth.

use super::*;

struct Ca {
    cert: rcgen::Certificate,
    key: rcgen::KeyPair,
}

fn ca() -> Ca {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    p.distinguished_name
        .push(rcgen::DnType::CommonName, "top test CA");
    p.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    Ca {
        cert: p.self_signed(&key).unwrap(),
        key,
    }
}

/// A server certificate for 127.0.0.1 and localhost: (cert PEM, key PEM).
fn server_cert(ca: &Ca) -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let cert = p.signed_by(&key, &ca.cert, &ca.key).unwrap();
    (cert.pem(), key.serialize_pem())
}

/// Runs `top --once --url` until it exits 0 (the exporter is ready once every
/// account has polled), for at most 20 s.
fn top_until_ok(args: &[&str]) -> Output {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = top(args);
        if out.status.code() == Some(0) || Instant::now() > deadline {
            return out;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Drops what differs between two polls of the same data.
fn comparable(mut doc: Value) -> Value {
    doc["time"] = Value::Null;
    for a in doc["accounts"].as_array_mut().unwrap() {
        a["poll_seconds"] = Value::Null;
    }
    doc
}

/// `--url` reads a running exporter behind TLS and basic auth (curl-style
/// flags) and shows the same view as polling the config directly.
#[test]
fn url_reads_an_exporter_behind_tls_and_basic_auth() {
    let (_sim, sim) = simulator(100);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = ca();
    let (cert, key) = server_cert(&ca);
    write(d, "server.crt", &cert);
    write(d, "server.key", &key);
    let ca_file = write(d, "ca.crt", &ca.cert.pem());
    let hash = bcrypt::hash("top-RIGHT-password-0051", 4).unwrap();
    let web = write(
        d,
        "web.yml",
        &format!(
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prometheus: {hash}\n"
        ),
    );
    let cfg = write(d, "demo.toml", &demo_config(&sim));
    let (exp, addr) = exporter_on_file(
        Path::new(&cfg),
        &[&format!("--web.config.file={web}")],
        false,
    );
    let pw_file = write(d, "pw", "top-RIGHT-password-0051\n");
    let url = format!("--url=https://{addr}");
    let cacert = format!("--cacert={ca_file}");
    let pw_arg = format!("--password-file={pw_file}");
    let out = top_until_ok(&[
        "--once",
        "--output=json",
        &url,
        &cacert,
        "--user=prometheus",
        &pw_arg,
    ]);
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{stderr}\nexporter:\n{}",
        exp.stderr()
    );
    let from_exporter = comparable(json(&out));
    let direct = comparable(json(&top(&[
        "--once",
        "--output=json",
        &format!("--config.file={cfg}"),
    ])));
    assert_eq!(from_exporter["accounts"], direct["accounts"]);
    assert_eq!(from_exporter["rows"], direct["rows"]);
    assert_eq!(from_exporter["compute_units"], direct["compute_units"]);

    // The table, with the password inline as curl takes it (-u USER:PASS).
    let out = top(&[
        "--once",
        &url,
        &cacert,
        "-u",
        "prometheus:top-RIGHT-password-0051",
        "--account=sugon-demo",
    ]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout
        .lines()
        .next()
        .unwrap()
        .contains(&format!("https://{addr}/metrics")));
    assert!(stdout.contains("sugon-demo  sugon     ok"), "{stdout}");
    assert!(!stdout.contains("qianfan-demo"), "{stdout}");

    // A wrong password, no CA, or none of it: exit 1 with the reason, and the
    // password nowhere.
    for (args, want) in [
        (
            vec![
                &url as &str,
                &cacert,
                "-u",
                "prometheus:top-WRONG-password-0052",
            ],
            "auth: HTTP 401 Unauthorized from https://",
        ),
        (
            vec![&url as &str, "-u", "prometheus:top-RIGHT-password-0051"],
            "connect: ",
        ),
        (vec![&url as &str, &cacert], "auth: HTTP 401"),
    ] {
        let mut all = vec!["--once"];
        all.extend(args);
        let out = top(&all);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{all:?}: {stdout}\n{stderr}");
        assert!(stdout.contains(want), "{all:?}: {stdout}");
        for s in ["top-WRONG-password-0052", "top-RIGHT-password-0051"] {
            assert!(
                !stdout.contains(s) && !stderr.contains(s),
                "{s}:\n{stdout}\n{stderr}"
            );
        }
    }
    // --insecure skips the check, as with curl; the password from a variable.
    let insecure = |env: Option<&str>| {
        let mut c = Command::new(BIN);
        c.args([
            "top",
            "--once",
            &url,
            "-k",
            "--user=prometheus",
            "--password-env=TOP_PW",
        ]);
        match env {
            Some(v) => c.env("TOP_PW", v),
            None => c.env_remove("TOP_PW"),
        };
        c.output().unwrap()
    };
    let out = insecure(Some("top-RIGHT-password-0051"));
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    // A variable that is not set is a command-line error.
    let out = insecure(None);
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
    assert!(text(&out)
        .1
        .contains("--password-env TOP_PW: the variable is not set"));
}
