//! Decoding per object: one malformed object or field never fails the list it
//! came in.
//!
//! Upstream lists are decoded element by element ([`Lenient`]): an element that
//! is not the expected object is dropped alone. Inside an object, a field that
//! is not a usable number ([`DecodeLog::number`], [`DecodeLog::amount`]) loses
//! only its own series. Each such loss is recorded in the poll's [`DecodeLog`];
//! the poller counts it in `aipool_decode_errors_total{api,reason}` and logs it
//! once per object and field while it stays the same. A body that is not the
//! expected document at all (not JSON, wrong envelope, truncated) still fails
//! its call: nothing of it can be trusted.
//!
//! The pattern is node_exporter's textfile collector and kube-state-metrics'
//! custom-resource collector: skip what does not decode, count it, keep the rest.
//!
//! [`Decoded`] and [`BodyError`] are what each provider's `decode` entry point
//! (one body on bytes alone, for the fuzzer, property tests and benches)
//! gives back.

use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::value::RawValue;

pub use crate::error::{DecodeError, DecodeReason};
use crate::model::Snapshot;
use crate::providers::mapping::MapError;
use crate::quantity::{self, QuantityError, RawQuantity};

/// What one poll left out, in the order it was met.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecodeLog {
    errors: Vec<DecodeError>,
}

/// At most this many characters of an upstream value go into a message.
const DETAIL_CHARS: usize = 64;

fn shorten(s: &str) -> String {
    super::response::shorten(s, DETAIL_CHARS)
}

impl DecodeLog {
    pub fn errors(&self) -> &[DecodeError] {
        &self.errors
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Moves every entry of `other` into this log (per-pool fetches decode into
    /// logs of their own and are joined in pool order).
    pub fn append(&mut self, other: &mut DecodeLog) {
        self.errors.append(&mut other.errors);
    }

    /// Records a dropped object.
    pub fn drop_object(&mut self, api: &str, object: impl Into<String>, detail: impl Into<String>) {
        self.errors.push(DecodeError {
            api: api.to_string(),
            object: object.into(),
            field: String::new(),
            reason: DecodeReason::MalformedObject,
            detail: shorten(&detail.into()),
        });
    }

    fn field_error(
        &mut self,
        api: &str,
        object: &str,
        field: &str,
        reason: DecodeReason,
        detail: String,
    ) {
        self.errors.push(DecodeError {
            api: api.to_string(),
            object: object.to_string(),
            field: field.to_string(),
            reason,
            detail: shorten(&detail),
        });
    }

    /// A number or quantity in base units; `None` when absent or empty (not
    /// reported) and when malformed (recorded). Any finite value, negative
    /// included (e.g. an offset); use [`amount`](Self::amount) for counts.
    pub fn number(
        &mut self,
        api: &str,
        object: &str,
        field: &str,
        raw: Option<&RawQuantity>,
    ) -> Option<f64> {
        let raw = raw?;
        match quantity::parse(raw) {
            Ok(v) => v,
            Err(e) => {
                let reason = match e {
                    QuantityError::Malformed(_) => DecodeReason::NotANumber,
                    QuantityError::NotFinite(_) => DecodeReason::NotFinite,
                };
                self.field_error(api, object, field, reason, raw.to_string());
                None
            }
        }
    }

    /// [`number`](Self::number) for an amount that cannot be below 0: cards,
    /// cores, bytes, nodes, replicas. A negative value is recorded and left out.
    pub fn amount(
        &mut self,
        api: &str,
        object: &str,
        field: &str,
        raw: Option<&RawQuantity>,
    ) -> Option<f64> {
        let v = self.number(api, object, field, raw)?;
        if v < 0.0 {
            let detail = raw.map(ToString::to_string).unwrap_or_default();
            self.field_error(api, object, field, DecodeReason::Negative, detail);
            return None;
        }
        Some(v)
    }

    /// The decoded objects of a lenient list; each element that did not decode
    /// is recorded as a dropped object of `api`, named `{kind} #{position}` plus
    /// its id when `id_key` can still be read from it.
    pub fn keep_decoded<T>(
        &mut self,
        api: &str,
        kind: &str,
        id_key: &str,
        items: Vec<Lenient<T>>,
    ) -> Vec<T> {
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            match item {
                Lenient::Ok(v) => out.push(v),
                Lenient::Bad { raw, error } => {
                    let id = id_of(&raw, id_key);
                    let object = match id {
                        Some(id) => format!("{kind} {id} (#{i})"),
                        None => format!("{kind} #{i}"),
                    };
                    self.drop_object(api, object, error);
                }
            }
        }
        out
    }
}

/// The string or number under `key` of a JSON object, for naming an object that
/// did not decode.
fn id_of(raw: &RawValue, key: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct AnyObject(serde_json::Map<String, serde_json::Value>);
    let AnyObject(map) = serde_json::from_str(raw.get()).ok()?;
    match map.get(key)? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(shorten(s)),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One element of an upstream list, decoded on its own: a malformed element is
/// kept as its raw text and the decoder's message, so the rest of the list
/// still decodes. Use in DTOs as `Vec<Lenient<QueueDto>>`.
///
/// Decoding goes through [`RawValue`]: the element's bytes are only scanned
/// once more, not built into a `serde_json::Value`, so a list of well-formed
/// objects costs little more than decoding them directly. It needs a
/// serde_json deserializer (`from_slice`/`from_str`), which every provider
/// uses for bodies.
#[derive(Debug)]
pub enum Lenient<T> {
    Ok(T),
    Bad { raw: Box<RawValue>, error: String },
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        Ok(match serde_json::from_str::<T>(raw.get()) {
            Ok(v) => Lenient::Ok(v),
            Err(e) => Lenient::Bad {
                error: e.to_string(),
                raw,
            },
        })
    }
}

/// Decoded elements compare as values; elements that did not decode compare
/// by their text (what a repeated page must match).
impl<T: PartialEq> PartialEq for Lenient<T> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Lenient::Ok(a), Lenient::Ok(b)) => a == b,
            (Lenient::Bad { raw: a, .. }, Lenient::Bad { raw: b, .. }) => a.get() == b.get(),
            _ => false,
        }
    }
}

impl<T: Clone> Clone for Lenient<T> {
    fn clone(&self) -> Self {
        match self {
            Lenient::Ok(v) => Lenient::Ok(v.clone()),
            Lenient::Bad { raw, error } => Lenient::Bad {
                raw: raw.clone(),
                error: error.clone(),
            },
        }
    }
}

/// What a poll makes of one upstream body: the entry point of each provider's
/// `decode`, which runs the same steps as the poll (JSON, DTO, envelope
/// checks, mapping) on bytes alone, for the fuzzer, the property tests
/// and the benches.
#[derive(Debug, Default)]
pub struct Decoded {
    /// What the body mapped to, before the derivations of a whole snapshot.
    pub snapshot: Snapshot,
    /// What was left out, object by object.
    pub log: DecodeLog,
    /// What the body's objects became besides model objects (login entries,
    /// service URLs, job managers, workspaces), each as its id and its debug
    /// text, in the body's order.
    pub objects: Vec<(String, String)>,
}

/// Why a body is not the document its call expects; in a poll this fails the
/// call.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BodyError {
    /// Not JSON, or JSON of another shape.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// The envelope says the call failed (an error code, `success` false).
    #[error("the upstream refused: {0}")]
    Refused(String),
    /// A part the mapping cannot do without is unusable.
    #[error("{0}")]
    Map(#[from] MapError),
}

impl BodyError {
    pub fn json(e: impl std::fmt::Display) -> Self {
        BodyError::Json(e.to_string())
    }
}

/// `body` as a `T`, or why not.
pub fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, BodyError> {
    serde_json::from_slice(body).map_err(BodyError::json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Queue {
        #[serde(rename = "queueId")]
        id: String,
        cards: Option<RawQuantity>,
    }

    #[test]
    fn a_bad_element_is_dropped_alone_and_named() {
        let body = r#"[{"queueId":"q-1","cards":"8"},{"queueId":"q-2","cards":{"x":1}},
            {"queueId":7,"cards":"1"},"not an object",{"queueId":"q-3"}]"#;
        let items: Vec<Lenient<Queue>> = serde_json::from_str(body).expect("the list decodes");
        let mut log = DecodeLog::default();
        let ok = log.keep_decoded("v3/queues", "queue", "queueId", items);
        let ids: Vec<&str> = ok.iter().map(|q| q.id.as_str()).collect();
        // q-2's cards are an object: the field is refused when parsed, the
        // queue itself decodes.
        assert_eq!(ids, ["q-1", "q-2", "q-3"]);
        assert!(matches!(ok[1].cards, Some(RawQuantity::Other(_))));
        let objects: Vec<&str> = log.errors().iter().map(|e| e.object.as_str()).collect();
        assert_eq!(objects, ["queue 7 (#2)", "queue #3"]);
        assert!(log
            .errors()
            .iter()
            .all(|e| e.reason == DecodeReason::MalformedObject && e.api == "v3/queues"));
    }

    #[test]
    fn a_truncated_list_still_fails_the_document() {
        let body = r#"[{"queueId":"q-1"},{"queueId":"q-2""#;
        assert!(serde_json::from_str::<Vec<Lenient<Queue>>>(body).is_err());
    }

    #[test]
    fn fields_lose_only_themselves() {
        let mut log = DecodeLog::default();
        let t = |s: &str| RawQuantity::Text(s.to_string());
        let cases = [
            (t("abc"), DecodeReason::NotANumber),
            (t("NaN"), DecodeReason::NotANumber),
            (t("1e400"), DecodeReason::NotFinite),
            (t("-1"), DecodeReason::Negative),
            (RawQuantity::Number(-0.5), DecodeReason::Negative),
            (
                serde_json::from_str::<RawQuantity>(r#"{"x":1}"#)
                    .expect("any JSON is a RawQuantity"),
                DecodeReason::NotANumber,
            ),
            (
                serde_json::from_str::<RawQuantity>("true").expect("any JSON is a RawQuantity"),
                DecodeReason::NotANumber,
            ),
        ];
        for (raw, _) in &cases {
            assert_eq!(log.amount("api", "queue q", "f", Some(raw)), None, "{raw}");
        }
        let reasons: Vec<DecodeReason> = log.errors().iter().map(|e| e.reason).collect();
        assert_eq!(reasons, cases.map(|(_, r)| r));
        // Not reported is no error, and a negative number is fine where allowed.
        let mut quiet = DecodeLog::default();
        assert_eq!(quiet.amount("api", "q", "f", None), None);
        assert_eq!(quiet.amount("api", "q", "f", Some(&t(""))), None);
        assert_eq!(quiet.amount("api", "q", "f", Some(&t("8.0"))), Some(8.0));
        assert_eq!(quiet.number("api", "q", "f", Some(&t("-2"))), Some(-2.0));
        assert!(quiet.is_empty());
    }

    #[test]
    fn details_are_shortened() {
        let mut log = DecodeLog::default();
        let long = RawQuantity::Text("x".repeat(10_000));
        assert_eq!(log.amount("api", "q", "f", Some(&long)), None);
        assert!(log.errors()[0].detail.chars().count() <= DETAIL_CHARS + 1);
        assert!(log.errors()[0].to_string().len() < 300);
    }
}
