//! Keeping secrets out of what is shown: a [`Secret`] that cannot be
//! formatted, URLs with credentials removed, and errors on one line. The
//! exporter's upstream calls and `top`'s reads of an exporter both use them.

use url::Url;

pub use crate::secret::Secret;

/// A URL safe to log: no user info, and the values of query parameters whose
/// names suggest credentials replaced.
pub fn redact_url(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let lower = k.to_ascii_lowercase();
                let sensitive = [
                    "token",
                    "signature",
                    "password",
                    "secret",
                    "key",
                    "cookie",
                    "auth",
                    "credential",
                ]
                .iter()
                .any(|s| lower.contains(s));
                let v = if sensitive {
                    "REDACTED".to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

/// An error and its sources on one line (reqwest hides the useful part, e.g.
/// "connection refused", in the source chain).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(src) = cur {
        let t = src.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = src.source();
    }
    s
}
