//! `--web.config.file`: TLS (optionally mutual) and basic auth for the exporter's
//! own endpoints, in the Prometheus exporter-toolkit format, so the file a
//! Prometheus operator already writes for node_exporter works here too:
//!
//! ```yaml
//! tls_server_config:
//!   cert_file: server.crt          # paths relative to this file
//!   key_file: server.key
//!   client_auth_type: RequireAndVerifyClientCert
//!   client_ca_file: clients-ca.crt
//!   min_version: TLS12
//! basic_auth_users:
//!   prometheus: $2y$10$…           # bcrypt hash (htpasswd -nBC 10 "" | tr -d ':\n')
//! ```
//!
//! The file is checked on every new connection and request (its bytes, and the
//! modification time and size of the files it names): new users apply to the
//! next request, new TLS settings to the next connection. A change that does not load (bad YAML, unreadable key) is logged
//! and the previous settings stay in force. TLS is rustls; no OpenSSL.
//!
//! bcrypt is slow on purpose (tens of milliseconds at cost 10) and Prometheus
//! sends the same header every scrape, so successful verifications are cached by
//! a SHA-256 of (user, password, hash); the cache is dropped whenever the file
//! changes and never holds a password.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use base64::Engine as _;
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio_rustls::TlsAcceptor;

/// A web config that cannot be used, with the reason (never a password).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WebConfigError(pub String);

fn error(msg: impl Into<String>) -> WebConfigError {
    WebConfigError(msg.into())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    tls_server_config: Option<RawTls>,
    #[serde(default)]
    http_server_config: Option<RawHttp>,
    #[serde(default)]
    basic_auth_users: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTls {
    #[serde(default)]
    cert_file: Option<String>,
    #[serde(default)]
    key_file: Option<String>,
    #[serde(default)]
    client_auth_type: Option<String>,
    #[serde(default)]
    client_ca_file: Option<String>,
    #[serde(default)]
    min_version: Option<String>,
    #[serde(default)]
    max_version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    /// Accepted for compatibility; this server speaks HTTP/1.1 only.
    #[serde(default)]
    #[allow(dead_code)]
    http2: Option<bool>,
}

/// How client certificates are treated (exporter-toolkit's `client_auth_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    NoClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert,
}

/// The parsed, validated settings; files are not read yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebConfig {
    pub tls: Option<TlsSettings>,
    /// user → bcrypt hash.
    pub users: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    pub client_auth: ClientAuth,
    pub client_ca_file: Option<PathBuf>,
    pub tls13_only: bool,
    pub tls12_only: bool,
}

impl WebConfig {
    /// Parses the YAML text of a web config whose relative paths are relative
    /// to `dir`.
    pub fn parse(text: &str, dir: &Path) -> Result<WebConfig, WebConfigError> {
        use figment::providers::{Format as _, Yaml};
        let raw: RawConfig = if text.trim().is_empty() {
            RawConfig::default()
        } else {
            figment::Figment::from(Yaml::string(text))
                .extract()
                .map_err(|e| error(format!("invalid web config: {e}")))?
        };
        if let Some(_http) = raw.http_server_config {
            // Nothing to apply: http2 is not served.
        }
        let mut users = BTreeMap::new();
        for (user, hash) in raw.basic_auth_users.unwrap_or_default() {
            if user.is_empty() || user.contains(':') {
                return Err(error(format!(
                    "basic_auth_users: user name {user:?} must be non-empty and contain no ':'"
                )));
            }
            // Never echo the value: someone may have pasted a password here.
            if !is_bcrypt_hash(&hash) {
                return Err(error(format!(
                    "basic_auth_users.{user}: not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)"
                )));
            }
            users.insert(user, hash);
        }
        let tls = match raw.tls_server_config {
            None => None,
            Some(t) => Some(parse_tls(t, dir)?),
        };
        Ok(WebConfig { tls, users })
    }

    /// The files this config reads (for change detection).
    fn files(&self) -> Vec<PathBuf> {
        self.tls
            .iter()
            .flat_map(|t| {
                [
                    Some(&t.cert_file),
                    Some(&t.key_file),
                    t.client_ca_file.as_ref(),
                ]
                .into_iter()
                .flatten()
                .cloned()
            })
            .collect()
    }
}

fn is_bcrypt_hash(h: &str) -> bool {
    h.len() == 60
        && ["$2a$", "$2b$", "$2y$"].iter().any(|p| h.starts_with(p))
        && h.is_ascii()
        && h.parse::<bcrypt::HashParts>().is_ok()
}

fn parse_tls(t: RawTls, dir: &Path) -> Result<TlsSettings, WebConfigError> {
    let path = |p: String| {
        let p = PathBuf::from(p);
        if p.is_absolute() {
            p
        } else {
            dir.join(p)
        }
    };
    let cert_file = t
        .cert_file
        .filter(|s| !s.is_empty())
        .ok_or_else(|| error("tls_server_config.cert_file is required"))?;
    let key_file = t
        .key_file
        .filter(|s| !s.is_empty())
        .ok_or_else(|| error("tls_server_config.key_file is required"))?;
    let client_auth = match t.client_auth_type.as_deref().unwrap_or("") {
        "" | "NoClientCert" => ClientAuth::NoClientCert,
        "VerifyClientCertIfGiven" => ClientAuth::VerifyClientCertIfGiven,
        "RequireAndVerifyClientCert" => ClientAuth::RequireAndVerifyClientCert,
        "RequestClientCert" | "RequireAnyClientCert" => {
            return Err(error(format!(
                "tls_server_config.client_auth_type {:?} (a client certificate nobody verifies) is not supported; use VerifyClientCertIfGiven or RequireAndVerifyClientCert with client_ca_file",
                t.client_auth_type.unwrap_or_default()
            )))
        }
        other => {
            return Err(error(format!(
                "tls_server_config.client_auth_type {other:?} is not one of NoClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert"
            )))
        }
    };
    let client_ca_file = t.client_ca_file.filter(|s| !s.is_empty()).map(path);
    match (client_auth, &client_ca_file) {
        (ClientAuth::NoClientCert, Some(_)) => {
            return Err(error(
                "tls_server_config.client_ca_file is set but client_auth_type is NoClientCert",
            ))
        }
        (ClientAuth::NoClientCert, None) => {}
        (_, None) => {
            return Err(error(
                "tls_server_config.client_ca_file is required to verify client certificates",
            ))
        }
        (_, Some(_)) => {}
    }
    let version = |v: Option<String>, key: &str| {
        match v.as_deref() {
        None | Some("") => Ok(None),
        Some("TLS12") => Ok(Some(12)),
        Some("TLS13") => Ok(Some(13)),
        Some(other) => Err(error(format!(
            "tls_server_config.{key} {other:?} is not TLS12 or TLS13 (older versions are not offered)"
        ))),
    }
    };
    let min = version(t.min_version, "min_version")?;
    let max = version(t.max_version, "max_version")?;
    if let (Some(a), Some(b)) = (min, max) {
        if a > b {
            return Err(error("tls_server_config.min_version is above max_version"));
        }
    }
    Ok(TlsSettings {
        cert_file: path(cert_file),
        key_file: path(key_file),
        client_auth,
        client_ca_file,
        tls13_only: min == Some(13),
        tls12_only: max == Some(12),
    })
}

fn read_certs(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>, WebConfigError> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(path)
        .map_err(|e| error(format!("cannot read {what} {}: {e}", path.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| error(format!("cannot read {what} {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(error(format!(
            "{what} {} holds no PEM certificate",
            path.display()
        )));
    }
    Ok(certs)
}

/// Reads the certificate files and builds the rustls server config.
fn build_tls(t: &TlsSettings) -> Result<TlsAcceptor, WebConfigError> {
    let certs = read_certs(&t.cert_file, "cert_file")?;
    // The key's content never appears in an error: only its path.
    let key = PrivateKeyDer::from_pem_file(&t.key_file).map_err(|e| {
        error(format!(
            "cannot read key_file {}: {e}",
            t.key_file.display()
        ))
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&'static rustls::SupportedProtocolVersion] = if t.tls13_only {
        &[&rustls::version::TLS13]
    } else if t.tls12_only {
        &[&rustls::version::TLS12]
    } else {
        rustls::ALL_VERSIONS
    };
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| error(format!("TLS versions: {e}")))?;
    let builder = match (t.client_auth, &t.client_ca_file) {
        (ClientAuth::NoClientCert, _) | (_, None) => builder.with_no_client_auth(),
        (auth, Some(ca)) => {
            let mut roots = RootCertStore::empty();
            for c in read_certs(ca, "client_ca_file")? {
                roots
                    .add(c)
                    .map_err(|e| error(format!("client_ca_file {}: {e}", ca.display())))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if auth == ClientAuth::VerifyClientCertIfGiven {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            let verifier = verifier
                .build()
                .map_err(|e| error(format!("client_ca_file {}: {e}", ca.display())))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut cfg = builder.with_single_cert(certs, key).map_err(|e| {
        error(format!(
            "cert_file/key_file do not make a TLS identity: {e}"
        ))
    })?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(cfg)))
}

/// What identifies a version of the config: its bytes and the files it names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    text: Vec<u8>,
    files: Vec<(PathBuf, Option<(SystemTime, u64)>)>,
}

fn stat(paths: &[PathBuf]) -> Vec<(PathBuf, Option<(SystemTime, u64)>)> {
    paths
        .iter()
        .map(|p| {
            let m = std::fs::metadata(p)
                .ok()
                .and_then(|m| Some((m.modified().ok()?, m.len())));
            (p.clone(), m)
        })
        .collect()
}

/// The settings in force.
struct Active {
    fingerprint: Fingerprint,
    tls: Option<TlsAcceptor>,
    users: BTreeMap<String, String>,
    /// SHA-256 of verified (user, password, hash) triples.
    verified: Mutex<HashSet<[u8; 32]>>,
}

/// Bounds the cache: a client cycling through passwords cannot grow it (only
/// successes are kept, and there are few users).
const MAX_CACHED: usize = 1024;

/// The web config file and the settings loaded from it.
pub struct WebGuard {
    path: PathBuf,
    active: RwLock<Arc<Active>>,
    /// The fingerprint of the last version that failed to load, so a broken
    /// file is logged once rather than on every connection.
    last_failed: Mutex<Option<Fingerprint>>,
}

/// What [`WebGuard::authorize`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Allowed,
    Denied,
}

impl WebGuard {
    /// Loads the file; an unusable file is an error (the exporter does not
    /// start with endpoints less protected than configured).
    pub fn load(path: &Path) -> Result<WebGuard, WebConfigError> {
        let active = load_active(path)?;
        Ok(WebGuard {
            path: path.to_path_buf(),
            active: RwLock::new(Arc::new(active)),
            last_failed: Mutex::new(None),
        })
    }

    fn current(&self) -> Arc<Active> {
        self.active
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Re-reads the file if it or a file it names changed; called for each new
    /// connection. On failure the old settings stay and the problem is logged.
    pub fn refresh(&self) {
        let cur = self.current();
        let text = match std::fs::read(&self.path) {
            Ok(t) => t,
            Err(e) => {
                self.log_failure_once(
                    Fingerprint {
                        text: Vec::new(),
                        files: Vec::new(),
                    },
                    &format!("cannot read {}: {e}", self.path.display()),
                );
                return;
            }
        };
        if text == cur.fingerprint.text {
            let paths: Vec<PathBuf> = cur
                .fingerprint
                .files
                .iter()
                .map(|(p, _)| p.clone())
                .collect();
            if stat(&paths) == cur.fingerprint.files {
                return;
            }
        }
        match load_active(&self.path) {
            Ok(next) => {
                if next.fingerprint == cur.fingerprint {
                    return;
                }
                tracing::info!(path = %self.path.display(), tls = next.tls.is_some(), users = next.users.len(), "web config reloaded");
                *self.active.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
                *self.last_failed.lock().unwrap_or_else(|p| p.into_inner()) = None;
            }
            Err(e) => {
                let paths: Vec<PathBuf> = cur
                    .fingerprint
                    .files
                    .iter()
                    .map(|(p, _)| p.clone())
                    .collect();
                let fp = Fingerprint {
                    text,
                    files: stat(&paths),
                };
                self.log_failure_once(fp, &e.0);
            }
        }
    }

    fn log_failure_once(&self, fp: Fingerprint, msg: &str) {
        let mut last = self.last_failed.lock().unwrap_or_else(|p| p.into_inner());
        if last.as_ref() != Some(&fp) {
            tracing::error!(path = %self.path.display(), error = %msg, "web config change not applied; keeping the previous settings");
            *last = Some(fp);
        }
    }

    /// The TLS acceptor in force, if TLS is configured.
    pub fn tls(&self) -> Option<TlsAcceptor> {
        self.current().tls.clone()
    }

    /// Checks a request's `Authorization` header against `basic_auth_users`.
    pub async fn authorize(&self, header: Option<&[u8]>) -> Access {
        let active = self.current();
        if active.users.is_empty() {
            return Access::Allowed;
        }
        let Some((user, password)) = header.and_then(parse_basic) else {
            return Access::Denied;
        };
        let hash = active.users.get(&user).cloned();
        let key = cache_key(&user, &password, hash.as_deref().unwrap_or(""));
        if hash.is_some()
            && active
                .verified
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(&key)
        {
            return Access::Allowed;
        }
        // An unknown user is checked against a dummy hash so that the answer
        // takes as long as for a known one (exporter-toolkit does the same).
        let verify_against = hash.clone().unwrap_or_else(|| DUMMY_HASH.to_string());
        let ok = tokio::task::spawn_blocking(move || {
            bcrypt::verify(password.as_bytes(), &verify_against).unwrap_or(false)
        })
        .await
        .unwrap_or(false);
        if ok && hash.is_some() {
            let mut v = active.verified.lock().unwrap_or_else(|p| p.into_inner());
            if v.len() >= MAX_CACHED {
                v.clear();
            }
            v.insert(key);
            Access::Allowed
        } else {
            Access::Denied
        }
    }
}

/// bcrypt("not a real password", cost 10): only ever compared against.
const DUMMY_HASH: &str = "$2b$10$F0kZ9dH0yJm9c6QyB8mJ3eX2pIu8a9tq0cJx4hDZbW1mY5n2wZb2G";

fn cache_key(user: &str, password: &str, hash: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [user, password, hash] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().into()
}

/// `Basic base64(user:password)` → (user, password).
fn parse_basic(header: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(header).ok()?.trim();
    let (scheme, rest) = text.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

fn load_active(path: &Path) -> Result<Active, WebConfigError> {
    let text = std::fs::read(path)
        .map_err(|e| error(format!("cannot read web config {}: {e}", path.display())))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let utf8 = std::str::from_utf8(&text)
        .map_err(|_| error(format!("web config {} is not UTF-8", path.display())))?;
    let cfg = WebConfig::parse(utf8, dir)?;
    let files = cfg.files();
    // Stat before reading, so a file replaced while we read it is seen as
    // changed on the next check rather than missed.
    let fingerprint = Fingerprint {
        text: text.clone(),
        files: stat(&files),
    };
    let tls = cfg.tls.as_ref().map(build_tls).transpose()?;
    Ok(Active {
        fingerprint,
        tls,
        users: cfg.users,
        verified: Mutex::new(HashSet::new()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<WebConfig, WebConfigError> {
        WebConfig::parse(text, Path::new("/etc/aipool"))
    }

    #[test]
    fn exporter_toolkit_format() {
        let c = parse(
            "tls_server_config:\n  cert_file: a.crt\n  key_file: /k/a.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n  min_version: TLS13\nhttp_server_config:\n  http2: false\nbasic_auth_users:\n  prom: $2y$04$QRLLo.rB6rOXmLQ4yDp3Iu/cMa2aTMOBjPlZvjBOk5vFXVj5XZv8u\n",
        )
        .unwrap();
        let t = c.tls.unwrap();
        assert_eq!(t.cert_file, PathBuf::from("/etc/aipool/a.crt"));
        assert_eq!(t.key_file, PathBuf::from("/k/a.key"));
        assert_eq!(t.client_auth, ClientAuth::RequireAndVerifyClientCert);
        assert!(t.tls13_only);
        assert_eq!(c.users.len(), 1);
        assert_eq!(
            parse("").unwrap(),
            WebConfig {
                tls: None,
                users: BTreeMap::new()
            }
        );
    }

    #[test]
    fn problems_are_named_and_passwords_never_echoed() {
        for (text, want) in [
            ("tls_server_config:\n  key_file: k\n", "cert_file is required"),
            ("tls_server_config:\n  cert_file: c\n  key_file: k\n  client_ca_file: ca\n", "NoClientCert"),
            ("tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: RequireAndVerifyClientCert\n", "client_ca_file is required"),
            ("tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: RequestClientCert\n", "not supported"),
            ("tls_server_config:\n  cert_file: c\n  key_file: k\n  min_version: TLS10\n", "TLS12 or TLS13"),
            ("basic_auth_users:\n  prom: hunter2-plaintext\n", "not a bcrypt hash"),
            ("unknown_key: 1\n", "unknown"),
        ] {
            let e = parse(text).unwrap_err().0;
            assert!(e.contains(want), "{text}: {e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
    }

    #[test]
    fn basic_header_parsing() {
        let h = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("prom:pa:ss")
        );
        assert_eq!(
            parse_basic(h.as_bytes()),
            Some(("prom".into(), "pa:ss".into()))
        );
        assert_eq!(parse_basic(b"Bearer abc"), None);
        assert_eq!(parse_basic(b"Basic !!!"), None);
    }

    #[test]
    fn the_dummy_hash_is_a_valid_hash() {
        assert!(is_bcrypt_hash(DUMMY_HASH));
        assert_eq!(bcrypt::verify("x", DUMMY_HASH).ok(), Some(false));
    }

    #[tokio::test]
    async fn verifications_are_cached_and_dropped_with_the_config() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("web.yml");
        let hash = bcrypt::hash("right", 4).unwrap();
        std::fs::write(&path, format!("basic_auth_users:\n  prom: {hash}\n")).unwrap();
        let g = WebGuard::load(&path).unwrap();
        let header = |u: &str, p: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            )
        };
        assert_eq!(g.authorize(None).await, Access::Denied);
        assert_eq!(
            g.authorize(Some(header("prom", "wrong").as_bytes())).await,
            Access::Denied
        );
        assert_eq!(
            g.authorize(Some(header("nobody", "right").as_bytes()))
                .await,
            Access::Denied
        );
        assert_eq!(g.current().verified.lock().unwrap().len(), 0);
        assert_eq!(
            g.authorize(Some(header("prom", "right").as_bytes())).await,
            Access::Allowed
        );
        assert_eq!(g.current().verified.lock().unwrap().len(), 1);
        assert_eq!(
            g.authorize(Some(header("prom", "right").as_bytes())).await,
            Access::Allowed
        );

        // A new hash for the user: the cached success must not outlive it.
        let other = bcrypt::hash("changed", 4).unwrap();
        std::fs::write(&path, format!("basic_auth_users:\n  prom: {other}\n")).unwrap();
        g.refresh();
        assert_eq!(
            g.authorize(Some(header("prom", "right").as_bytes())).await,
            Access::Denied
        );
        assert_eq!(
            g.authorize(Some(header("prom", "changed").as_bytes()))
                .await,
            Access::Allowed
        );

        // A broken file keeps the previous settings.
        std::fs::write(&path, "basic_auth_users: [").unwrap();
        g.refresh();
        assert_eq!(
            g.authorize(Some(header("prom", "changed").as_bytes()))
                .await,
            Access::Allowed
        );
    }
}
