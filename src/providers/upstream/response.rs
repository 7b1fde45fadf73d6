//! What came back from upstream: a 2xx [`Response`], and for everything else
//! the classification of status and error body into a [`Reason`]; plus the
//! redaction that keeps secrets out of the URLs and messages we log.

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use crate::error::Reason;

// Shared with `top`, which reads exporters over HTTP and shows their errors.
pub use aipool_model::redact::{error_chain, redact_url};

/// How one platform's error answers read, declared by its provider (its
/// `Platform::ERRORS`) and applied by [`PollCtx`](super::PollCtx) to every
/// non-2xx answer: this module knows no platform's codes.
#[derive(Debug)]
pub struct ErrorSpec {
    /// Error codes that mean "your credentials are wrong or expired": `auth`
    /// whatever HTTP status carries them.
    pub auth_codes: &'static [&'static str],
    /// The auth codes a freshly signed request may cure (a signature the
    /// server found too old: clock skew), so worth a retry of a request built
    /// anew per attempt ([`PollCtx::send_signed`](super::PollCtx::send_signed)).
    pub resign_codes: &'static [&'static str],
    /// `(code, message)` out of an error body, messages cut short.
    pub read: fn(&[u8]) -> CodeAndMessage,
}

/// An error body's upstream code and message, each if it has one.
pub type CodeAndMessage = (Option<String>, Option<String>);

impl ErrorSpec {
    /// No platform's codes: the status alone classifies, bodies read in the
    /// common shapes.
    pub const NEUTRAL: ErrorSpec = ErrorSpec::codes(&[], &[]);

    /// A platform's auth and re-sign codes, its bodies read in the common
    /// shapes (every platform so far: their error bodies differ only in key
    /// names, which [`upstream_message`] knows).
    pub const fn codes(
        auth_codes: &'static [&'static str],
        resign_codes: &'static [&'static str],
    ) -> ErrorSpec {
        ErrorSpec {
            auth_codes,
            resign_codes,
            read: upstream_message,
        }
    }

    pub fn is_auth_code(&self, code: &str) -> bool {
        self.auth_codes.contains(&code)
    }

    /// The failure reason for a non-2xx status, refined by an upstream error
    /// code.
    pub fn classify(&self, status: StatusCode, code: Option<&str>) -> Reason {
        if code.is_some_and(|c| self.is_auth_code(c)) {
            return Reason::Auth;
        }
        classify_status(status)
    }

    /// Whether an attempt that failed with `code` is worth sending again,
    /// signed anew.
    pub fn resign_cures(&self, code: Option<&str>) -> bool {
        code.is_some_and(|c| self.resign_codes.contains(&c))
    }

    /// What a poll reads from an error body, as `(what, value)` pairs: the
    /// code, the message and the reason a 400 with them gets.
    pub fn describe(&self, body: &[u8]) -> Vec<(String, String)> {
        let (code, message) = (self.read)(body);
        let reason = self.classify(StatusCode::BAD_REQUEST, code.as_deref());
        vec![
            ("code".into(), format!("{code:?}")),
            ("message".into(), format!("{message:?}")),
            ("reason".into(), reason.to_string()),
        ]
    }
}

/// A response that arrived with a 2xx status, body read in full.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The request URL, redacted, for error messages.
    pub url: String,
}

/// The failure reason for a non-2xx status alone (a platform's codes refine
/// it: [`ErrorSpec::classify`]).
pub fn classify_status(status: StatusCode) -> Reason {
    match status.as_u16() {
        401 | 403 => Reason::Auth,
        429 => Reason::Throttled,
        400..=499 => Reason::Http4xx,
        _ => Reason::Http5xx,
    }
}

/// Pulls `(code, message)` out of the common error body shapes: `{code,
/// message}`, `{error_code, error_msg}`, `{code, msg}`, `{errorCode,
/// errorMsg}`. Messages are cut short: they end up in logs.
pub fn upstream_message(body: &[u8]) -> CodeAndMessage {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body)
    else {
        return (None, None);
    };
    let text = |keys: &[&str]| {
        keys.iter().find_map(|k| match map.get(*k) {
            Some(serde_json::Value::String(s)) if !s.is_empty() => Some(shorten(s, MESSAGE_CHARS)),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
    };
    (
        text(&["code", "error_code", "errorCode"]),
        text(&["message", "error_msg", "msg", "errorMsg"]),
    )
}

/// At most this many characters of an upstream message go into an error.
pub const MESSAGE_CHARS: usize = 300;

/// `s` cut to `max_chars` characters, with `…` when something was cut
/// (upstream text ends up in logs and can be huge).
pub fn shorten(s: &str, max_chars: usize) -> String {
    let mut t: String = s.chars().take(max_chars).collect();
    if t.len() < s.len() {
        t.push('…');
    }
    t
}

/// A non-2xx answer as the log and the status page show it: the status, the
/// upstream's code and message. A 404 most often means the account's
/// `endpoint` (or its path) is wrong rather than that a listed object vanished,
/// so it says where to look.
pub fn describe_status(status: StatusCode, code: Option<&str>, message: Option<&str>) -> String {
    let mut text = match (code, message) {
        (Some(c), Some(m)) => format!("HTTP {status}: {c}: {m}"),
        (Some(c), None) => format!("HTTP {status}: {c}"),
        (None, Some(m)) => format!("HTTP {status}: {m}"),
        (None, None) => format!("HTTP {status}"),
    };
    if status == StatusCode::NOT_FOUND {
        text.push_str(" (check the account's `endpoint`: this API is not at that URL)");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Url;

    #[test]
    fn a_404_points_at_the_endpoint() {
        let s = |n| StatusCode::from_u16(n).unwrap();
        assert_eq!(
            describe_status(s(404), None, None),
            "HTTP 404 Not Found (check the account's `endpoint`: this API is not at that URL)"
        );
        assert_eq!(
            describe_status(s(403), Some("Denied"), Some("no")),
            "HTTP 403 Forbidden: Denied: no"
        );
    }

    #[test]
    fn status_classification() {
        let s = |n| StatusCode::from_u16(n).unwrap();
        let neutral = ErrorSpec::NEUTRAL;
        assert_eq!(neutral.classify(s(401), None), Reason::Auth);
        assert_eq!(neutral.classify(s(403), None), Reason::Auth);
        assert_eq!(neutral.classify(s(429), None), Reason::Throttled);
        assert_eq!(neutral.classify(s(404), None), Reason::Http4xx);
        assert_eq!(neutral.classify(s(503), None), Reason::Http5xx);
        assert_eq!(neutral.classify(s(400), Some("Expired")), Reason::Http4xx);
        let spec = ErrorSpec {
            auth_codes: &["Expired", "BadKey"],
            resign_codes: &["Expired"],
            read: upstream_message,
        };
        assert_eq!(spec.classify(s(400), Some("Expired")), Reason::Auth);
        assert_eq!(spec.classify(s(500), Some("BadKey")), Reason::Auth);
        assert_eq!(spec.classify(s(500), Some("Internal")), Reason::Http5xx);
        assert!(spec.resign_cures(Some("Expired")));
        assert!(!spec.resign_cures(Some("BadKey")) && !spec.resign_cures(None));
    }

    #[test]
    fn upstream_messages_in_every_shape() {
        assert_eq!(
            upstream_message(br#"{"requestId":"r","code":"Denied","message":"no"}"#),
            (Some("Denied".into()), Some("no".into()))
        );
        assert_eq!(
            upstream_message(br#"{"error_code":110,"error_msg":"Access token invalid"}"#),
            (Some("110".into()), Some("Access token invalid".into()))
        );
        assert_eq!(
            upstream_message(br#"{"code":"123","msg":"token expired","data":null}"#),
            (Some("123".into()), Some("token expired".into()))
        );
        assert_eq!(
            upstream_message(br#"{"errorCode":"E1","errorMsg":"bad"}"#),
            (Some("E1".into()), Some("bad".into()))
        );
        assert_eq!(upstream_message(b"<html>bad gateway</html>"), (None, None));
    }

    #[test]
    fn urls_lose_credentials() {
        let u =
            Url::parse("https://user:pw@h.example/p?a=1&token=abc&accessKey=k&pageNo=2").unwrap();
        let r = redact_url(&u);
        assert!(
            !r.contains("abc") && !r.contains("pw") && !r.contains("user"),
            "{r}"
        );
        assert!(r.contains("a=1") && r.contains("pageNo=2"), "{r}");
    }

    #[test]
    fn long_messages_are_cut() {
        let body = format!(r#"{{"message":"{}"}}"#, "x".repeat(5000));
        let (_, m) = upstream_message(body.as_bytes());
        assert!(m.unwrap().chars().count() <= 301);
    }
}
