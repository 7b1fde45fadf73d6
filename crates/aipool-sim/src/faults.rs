//! Fault injection for the simulator: `simulate --faults=SPEC`, or at run time
//! `POST /-/faults` with the spec as the body (an empty body clears all faults).
//!
//! SPEC is a comma-separated list of `TARGET=FAULT[*COUNT]`:
//! - TARGET: `*` (every request) or a substring of the request's API name (the
//!   `action`/`Action` query parameter, else the path), e.g. `DescribeQueues`,
//!   `v3/queues`, `/pools`, or of its query or body, to pick the calls of one
//!   pool or service: `resourcePoolId=cce-1`, `"serviceId":"svco-1"`.
//! - FAULT: `5xx` (503), `4xx` (400 with a Baidu-style `InvalidParameter`
//!   body: a request the platform refuses, e.g. a parameter an account does
//!   not support), `429` or `429:SECS` (with `Retry-After`), `slow:DURATION`
//!   (answers normally after the delay), `hang` (never answers), `reset` (closes
//!   the connection without a response), `truncate` (the body cut in half),
//!   `malformed` (a body that is not JSON), `huge` (a 100 MiB body), `expire`
//!   (the platform's own "credentials expired" answer: Baidu `RequestExpired`,
//!   the AIHC console's login redirect, ModelArts `APIGW.0301`, Sugon code
//!   `10008` in a 200 body — see [`super::Platform::expired`]), `skew:DURATION`
//!   or `skew:-DURATION` (the platform's clock runs ahead or behind by that much
//!   while it handles the request: signatures and tokens are checked against it),
//!   `corrupt:KEY=RAW` (the answer as usual, but the value of the first `"KEY":`
//!   in its JSON body replaced by the text RAW, e.g. `corrupt:memoryGi="abc"`;
//!   KEY may be a dotted path, `remaining.memoryGi`, each step searched inside
//!   the value of the one before; RAW is inserted as is, so `1e400` or `NaN`
//!   can be served too, and cannot hold a `,`, the spec's separator; a body
//!   without the key is left alone). Provider-neutral: one malformed value in
//!   one object, for testing decoding per object.
//! - COUNT: how many matching requests get the fault (default: all).

use std::sync::Mutex;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    ServerError,
    /// 400: the request refused as invalid.
    ClientError,
    Throttle(Option<u64>),
    Slow(Duration),
    Hang,
    Reset,
    Truncate,
    Malformed,
    Huge,
    Expire,
    /// Milliseconds the platform's clock is ahead (negative: behind).
    Skew(i64),
    /// The value at `path` (dotted keys) replaced by the raw text `raw`.
    Corrupt {
        path: String,
        raw: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct Rule {
    target: String,
    fault: Fault,
    remaining: Option<u64>,
}

#[derive(Debug, Default)]
pub struct Faults(Mutex<Vec<Rule>>);

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("fault spec {0:?}: {1}")]
pub struct SpecError(String, &'static str);

fn parse_rule(item: &str) -> Result<Rule, SpecError> {
    let err = |why| SpecError(item.to_string(), why);
    if let Some((target, rest)) = item.split_once("=corrupt:") {
        // `corrupt:KEY=RAW[*COUNT]`: RAW may hold `=` and `*`; a trailing
        // `*digits` is the count.
        let (spec, count) = match rest.rsplit_once('*') {
            Some((s, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => (
                s,
                Some(n.parse::<u64>().map_err(|_| err("COUNT too large"))?),
            ),
            _ => (rest, None),
        };
        let (path, raw) = spec
            .split_once('=')
            .ok_or_else(|| err("corrupt needs KEY=RAW"))?;
        if path.trim().is_empty() || path.split('.').any(str::is_empty) {
            return Err(err("corrupt needs a KEY"));
        }
        return Ok(Rule {
            target: target.trim().to_string(),
            fault: Fault::Corrupt {
                path: path.trim().to_string(),
                raw: raw.to_string(),
            },
            remaining: count,
        });
    }
    // The last `=`: a target may hold one (`resourcePoolId=cce-1`), a fault never does.
    let (target, rest) = item
        .rsplit_once('=')
        .ok_or_else(|| err("expected TARGET=FAULT"))?;
    let (fault, count) = match rest.split_once('*') {
        Some((f, n)) => (
            f,
            Some(
                n.parse::<u64>()
                    .map_err(|_| err("COUNT must be a number"))?,
            ),
        ),
        None => (rest, None),
    };
    let fault = match fault.split_once(':') {
        None => match fault {
            "5xx" => Fault::ServerError,
            "4xx" => Fault::ClientError,
            "429" => Fault::Throttle(None),
            "hang" => Fault::Hang,
            "reset" => Fault::Reset,
            "truncate" => Fault::Truncate,
            "malformed" => Fault::Malformed,
            "huge" => Fault::Huge,
            "expire" => Fault::Expire,
            _ => return Err(err("unknown fault")),
        },
        Some(("429", secs)) => Fault::Throttle(Some(
            secs.parse().map_err(|_| err("429:SECS needs a number"))?,
        )),
        Some(("slow", d)) => Fault::Slow(
            humantime::parse_duration(d).map_err(|_| err("slow:DURATION needs a duration"))?,
        ),
        Some(("skew", d)) => {
            let (sign, d) = match d.strip_prefix('-') {
                Some(rest) => (-1, rest),
                None => (1, d),
            };
            let d =
                humantime::parse_duration(d).map_err(|_| err("skew:DURATION needs a duration"))?;
            Fault::Skew(sign * i64::try_from(d.as_millis()).map_err(|_| err("skew too large"))?)
        }
        _ => return Err(err("unknown fault")),
    };
    Ok(Rule {
        target: target.trim().to_string(),
        fault,
        remaining: count,
    })
}

impl Faults {
    /// Replaces the rules with those of `spec` (empty clears them).
    pub fn set(&self, spec: &str) -> Result<(), SpecError> {
        let rules = spec
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(parse_rule)
            .collect::<Result<Vec<_>, _>>()?;
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = rules;
        Ok(())
    }

    /// The fault for a request to `api`, if any rule matches (first match wins;
    /// its count goes down).
    pub fn take(&self, api: &str) -> Option<Fault> {
        let mut rules = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let rule = rules
            .iter_mut()
            .find(|r| (r.target == "*" || api.contains(&r.target)) && r.remaining != Some(0))?;
        if let Some(n) = rule.remaining.as_mut() {
            *n -= 1;
        }
        Some(rule.fault.clone())
    }
}

/// `body` with the JSON value at `path` (dotted keys, each looked for inside
/// the value of the one before; the first `"key":` in text order wins)
/// replaced by the text `raw`; `None` when the path is not found.
pub fn corrupt(body: &[u8], path: &str, raw: &str) -> Option<Vec<u8>> {
    let (mut start, mut end) = (0, body.len());
    for key in path.split('.') {
        let (s, e) = find_value(&body[start..end], key)?;
        (start, end) = (start + s, start + e);
    }
    let mut out = Vec::with_capacity(body.len() + raw.len());
    out.extend_from_slice(&body[..start]);
    out.extend_from_slice(raw.as_bytes());
    out.extend_from_slice(&body[end..]);
    Some(out)
}

/// The byte range of the value of the first `"key":` in `text`.
fn find_value(text: &[u8], key: &str) -> Option<(usize, usize)> {
    let needle = serde_json::to_string(key).ok()?;
    let needle = needle.as_bytes();
    let mut from = 0;
    while let Some(at) = text[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
    {
        from = at + needle.len();
        let rest = &text[from..];
        let ws = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if rest.get(ws) != Some(&b':') {
            continue;
        }
        let value_at = from + ws + 1;
        let lead = text[value_at..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        let start = value_at + lead;
        let mut values = serde_json::Deserializer::from_slice(&text[start..])
            .into_iter::<serde::de::IgnoredAny>();
        values.next()?.ok()?;
        return Some((start, start + values.byte_offset()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_parsing_and_counts() {
        let f = Faults::default();
        f.set("DescribeQueues=5xx*2, v3/queues=429:3,*=slow:50ms")
            .unwrap();
        assert_eq!(f.take("DescribeQueues"), Some(Fault::ServerError));
        assert_eq!(f.take("DescribeQueues"), Some(Fault::ServerError));
        // Count used up: the next matching rule is the catch-all.
        assert_eq!(
            f.take("DescribeQueues"),
            Some(Fault::Slow(Duration::from_millis(50)))
        );
        assert_eq!(
            f.take("/api/aihc/aihc-service/v3/queues"),
            Some(Fault::Throttle(Some(3)))
        );
        f.set("").unwrap();
        assert_eq!(f.take("DescribeQueues"), None);
        // A target may be a piece of the body; 4xx is a refusal.
        f.set(r#""protocolVersion":2=4xx"#).unwrap();
        assert_eq!(
            f.take(
                r#"DescribeServices?Action=DescribeServices {"maxKeys":100,"protocolVersion":2}"#
            ),
            Some(Fault::ClientError)
        );
        assert_eq!(
            f.take(
                r#"DescribeServices?Action=DescribeServices {"maxKeys":100,"protocolVersion":1}"#
            ),
            None
        );
        f.set("").unwrap();
        f.set("/pools=expire*1,*=skew:-20m").unwrap();
        assert_eq!(f.take("/v2/p/pools"), Some(Fault::Expire));
        assert_eq!(f.take("/v2/p/pools"), Some(Fault::Skew(-1_200_000)));
        // A target with `=` in it: one pool's calls.
        f.set("resourcePoolId=cce-1=5xx").unwrap();
        assert_eq!(
            f.take("/api/v3/queues?resourcePoolId=cce-1 "),
            Some(Fault::ServerError)
        );
        assert_eq!(f.take("/api/v3/queues?resourcePoolId=cce-2 "), None);
    }

    #[test]
    fn corrupt_replaces_one_value_by_path() {
        let f = Faults::default();
        f.set(r#"resourcePoolId=cce-1=corrupt:remaining.memoryGi="a=b"*1,x=5xx"#)
            .unwrap();
        assert_eq!(
            f.take("v3/queues?resourcePoolId=cce-1 "),
            Some(Fault::Corrupt {
                path: "remaining.memoryGi".into(),
                raw: r#""a=b""#.into()
            })
        );
        assert_eq!(f.take("v3/queues?resourcePoolId=cce-1 "), None);
        assert_eq!(f.take("x"), Some(Fault::ServerError));
        let body = br#"{"q":[{"memoryGi":"1","remaining" : {"cpu":{"memoryGi":2},"memoryGi": "2041"}},{"remaining":{"memoryGi":"9"}}]}"#;
        let out = corrupt(body, "remaining.memoryGi", "1e400").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"q":[{"memoryGi":"1","remaining" : {"cpu":{"memoryGi":1e400},"memoryGi": "2041"}},{"remaining":{"memoryGi":"9"}}]}"#
        );
        let out = corrupt(body, "memoryGi", "{}").unwrap();
        assert!(out.starts_with(br#"{"q":[{"memoryGi":{},"#));
        assert_eq!(corrupt(body, "remaining.nope", "1"), None);
        assert_eq!(corrupt(b"not json", "a", "1"), None);
    }

    #[test]
    fn bad_specs_are_rejected() {
        let f = Faults::default();
        for bad in [
            "x",
            "x=boom",
            "x=5xx*many",
            "x=slow:soon",
            "x=429:later",
            "x=skew:+-3",
            "x=corrupt:memoryGi",
            "x=corrupt:=1",
            "x=corrupt:a..b=1",
        ] {
            assert!(f.set(bad).is_err(), "{bad}");
        }
    }
}
