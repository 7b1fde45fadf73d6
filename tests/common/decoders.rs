//! Every decoder of untrusted input, runnable on raw bytes: each platform's
//! (what its provider does with an upstream response body once it has
//! arrived: JSON into the DTOs, envelope checks, mapping into the model; each
//! listed beside the provider's code, `src/providers/<p>/decoders.rs`, and
//! reached here through the registry), plus the quantity parser, the
//! error-body reader and the config parsers, which belong to no platform.
//!
//! The property tests (`tests/decoders_never_panic.rs`) and the cargo-fuzz
//! target (`fuzz/`, through `fuzz/src/lib.rs`) drive these; each entry goes
//! through the same functions, in the same order, as the provider's poll, so a
//! panic found here is a panic a hostile or broken upstream could cause. The
//! only contract is: any input gives `Ok` or `Err`, never a panic, a hang or an
//! unbounded allocation. A new platform adds nothing here.

use aipool_exporter::providers;
pub use aipool_exporter::providers::Decoder;
use aipool_exporter::quantity::{self, Fired, RawQuantity};

/// A quantity string (`"3920m"`, `"64Gi"`), and the same bytes as a JSON
/// number-or-string.
const QUANTITY: Decoder = Decoder {
    name: "quantity",
    sample: "3920m",
    run: run_quantity,
};

/// An error body in any platform's shape (`{code, message}` and kin), read by
/// each platform's rules.
const ERROR_BODY: Decoder = Decoder {
    name: "error_body",
    sample: r#"{"code":"AccessDenied","message":"no","requestId":"r"}"#,
    run: |input| {
        let _ = providers::decode_error_body(input);
        Ok(())
    },
};

/// A config file (TOML).
const CONFIG_TOML: Decoder = Decoder {
    name: "config_toml",
    sample: "[web]\nlisten_address = \"127.0.0.1:9\"\n[[accounts]]\nname = \"a\"\nprovider = \"aihc\"\nregion = \"bj\"\naccess_key_id = \"AK\"\nsecret_access_key = \"SK\"\ninterval = \"30s\"\n",
    run: |input| {
        let text = std::str::from_utf8(input).map_err(err)?;
        aipool_exporter::config::from_str(text, "toml", &aipool_exporter::config::Env::default())
            .map(drop)
            .map_err(err)
    },
};

/// A `--web.config.file` (YAML).
const WEB_CONFIG: Decoder = Decoder {
    name: "web_config",
    sample: "basic_auth_users:\n  prometheus: \"$2b$04$6hMeZ36t1n8w0ZwP6u6sXe0Hcr1yUnGKc7WNy6C0SgqGvq5mNnB3K\"\n",
    run: |input| {
        let text = std::str::from_utf8(input).map_err(err)?;
        aipool_exporter::web::WebConfig::parse(text, std::path::Path::new("."))
            .map(drop)
            .map_err(err)
    },
};

/// Every decoder: the quantity and error-body readers, each platform's in
/// the registry's order, then the config parsers.
pub fn all() -> Vec<Decoder> {
    let mut all = vec![QUANTITY, ERROR_BODY];
    all.extend(providers::decoders());
    all.extend([CONFIG_TOML, WEB_CONFIG]);
    all
}

/// The decoder of that name, if there is one.
pub fn from_name(name: &str) -> Option<Decoder> {
    all().into_iter().find(|d| d.name() == name)
}

/// The decoder of that name (a test's own constant: it must exist).
#[allow(dead_code)]
pub fn named(name: &str) -> Decoder {
    from_name(name).unwrap_or_else(|| panic!("no decoder {name}"))
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn run_quantity(input: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(input);
    let _ = quantity::parse_str(&text);
    let mut fired = Fired::default();
    if let Ok(raw) = serde_json::from_slice::<RawQuantity>(input) {
        if let Ok(Some(v)) = quantity::parse(&raw) {
            let _ = quantity::gi_to_bytes(v, &mut fired);
            let _ = quantity::mib_to_bytes(v);
            for evidence in [
                quantity::CpuEvidence {
                    floors: &[v / 2.0],
                    ..Default::default()
                },
                quantity::CpuEvidence {
                    cpu_cores: Some(v),
                    memory_in_bytes: true,
                    floors: &[],
                },
            ] {
                let _ = quantity::capability_milli_to_cores(v, evidence, &mut fired);
            }
        }
    }
    quantity::parse_str(&text).map(drop).map_err(err)
}
