//! What a provider declares about itself ([`Platform`]), and the macro that
//! turns the one list of providers in `providers.rs` into [`ProviderKind`],
//! [`ProviderConfig`], [`parse_config`], [`build`] and the lists of error
//! rules and decoders the client, the property tests and the fuzz target use.
//!
//! [`ProviderKind`]: super::ProviderKind
//! [`ProviderConfig`]: super::ProviderConfig
//! [`parse_config`]: super::parse_config
//! [`build`]: super::build

use std::fmt;
use std::sync::Arc;

use crate::fields::{CommonKeys, Fields};

use super::upstream::response::ErrorSpec;
use super::Provider;

/// Everything the exporter needs to know of one platform, in one place: its
/// name, its config, how to build it, how its error answers read and the
/// decoders of its untrusted bodies. Implemented by the provider's own type
/// (`aihc::Aihc`, …), which the registry line names.
pub trait Platform {
    /// The `provider` label value, and the config's `provider = "…"`.
    const NAME: &'static str;
    /// Its validated, provider-specific settings.
    type Config: fmt::Debug + Clone + PartialEq + 'static;
    /// Its error codes and error-body shape.
    const ERRORS: ErrorSpec;
    /// Every decoder of its untrusted bodies, each what a poll does with one
    /// body (the property tests and the fuzz target run them).
    const DECODERS: &'static [Decoder];

    /// Parses the provider's own keys from an account table. `common` carries
    /// `region` and `endpoint`; the provider resolves their defaults (and
    /// must leave `common.region` set on success: it becomes the
    /// `cloud_region` label).
    fn parse_config(f: &mut Fields<'_>, common: &mut CommonKeys) -> Option<Self::Config>;

    /// The provider of one validated account.
    fn build(config: &Self::Config) -> Arc<dyn Provider>;

    /// What a poll reads from an error body, as `(what, value)` pairs (the
    /// error-body decoder): code, message and the reason a 400 with it gets.
    /// A platform that also reads errors out of 2xx bodies adds what that finds.
    fn error_body(bytes: &[u8]) -> Vec<(String, String)> {
        Self::ERRORS.describe(bytes)
    }
}

/// One decoder of untrusted bytes: what a poll does with one body, on bytes
/// alone. The only contract: any input gives `Ok` or `Err`, never a panic, a
/// hang or an unbounded allocation (checks that must hold on every input
/// panic, so the fuzzer reports them).
#[derive(Clone, Copy)]
pub struct Decoder {
    /// Its name: the fuzz corpus directory `fuzz/corpus/NAME`, lower-case
    /// words joined by `_`, starting with the provider's name.
    pub name: &'static str,
    /// A valid input it accepts: the fuzzer's seed and the property tests'
    /// starting point for structure-aware mutation.
    pub sample: &'static str,
    /// Runs it; `Err` carries the decoder's own message.
    pub run: fn(&[u8]) -> Result<(), String>,
}

impl Decoder {
    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn sample(&self) -> &'static str {
        self.sample
    }

    pub fn run(&self, input: &[u8]) -> Result<(), String> {
        (self.run)(input)
    }
}

impl fmt::Debug for Decoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// Decoders are known by name (names are unique: a test checks it).
impl PartialEq for Decoder {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Decoder {}

/// Makes, from `Variant => module` lines (the module's `Variant` type
/// implements [`Platform`]), the provider kind and config enums and the
/// functions that dispatch on them. The order of the lines is the kind's order.
macro_rules! providers {
    ($($variant:ident => $module:ident),+ $(,)?) => {
        /// A platform the exporter polls.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum ProviderKind {
            $($variant),+
        }

        impl ProviderKind {
            /// Every kind, in order.
            pub const ALL: [ProviderKind; [$(stringify!($variant)),+].len()] =
                [$(ProviderKind::$variant),+];

            /// Every kind's name, in order.
            pub const NAMES: [&'static str; [$(stringify!($variant)),+].len()] =
                [$(<$module::$variant as registry::Platform>::NAME),+];

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|k| k.as_str() == s)
            }

            /// The `provider` label value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ProviderKind::$variant => <$module::$variant as registry::Platform>::NAME),+
                }
            }

            /// How the platform's error answers read (the poll context's).
            pub fn errors(self) -> &'static upstream::response::ErrorSpec {
                match self {
                    $(ProviderKind::$variant => &<$module::$variant as registry::Platform>::ERRORS),+
                }
            }

            /// The decoders of the platform's untrusted bodies.
            pub fn decoders(self) -> &'static [registry::Decoder] {
                match self {
                    $(ProviderKind::$variant => <$module::$variant as registry::Platform>::DECODERS),+
                }
            }

            fn error_body(self, bytes: &[u8]) -> Vec<(String, String)> {
                match self {
                    $(ProviderKind::$variant => {
                        <$module::$variant as registry::Platform>::error_body(bytes)
                    }),+
                }
            }
        }

        /// A provider's validated, provider-specific settings.
        #[derive(Debug, Clone, PartialEq)]
        pub enum ProviderConfig {
            $($variant(<$module::$variant as registry::Platform>::Config)),+
        }

        impl ProviderConfig {
            /// The settings as provider config type `C`, if they are that.
            pub fn get<C: 'static>(&self) -> Option<&C> {
                match self {
                    $(ProviderConfig::$variant(c) => (c as &dyn std::any::Any).downcast_ref()),+
                }
            }
        }

        /// Parses the provider's own keys from an account table (see
        /// [`registry::Platform::parse_config`]).
        pub fn parse_config(
            kind: ProviderKind,
            f: &mut Fields<'_>,
            common: &mut CommonKeys,
        ) -> Option<ProviderConfig> {
            match kind {
                $(ProviderKind::$variant => {
                    <$module::$variant as registry::Platform>::parse_config(f, common)
                        .map(ProviderConfig::$variant)
                }),+
            }
        }

        /// Builds the provider for a validated account.
        pub fn build(config: &ProviderConfig) -> Arc<dyn Provider> {
            match config {
                $(ProviderConfig::$variant(c) => <$module::$variant as registry::Platform>::build(c)),+
            }
        }
    };
}

pub(crate) use providers;

#[cfg(test)]
mod tests {
    use crate::providers::{aihc, sugon, ProviderKind};

    /// Each kind's name is its config value and `provider` label, in the
    /// registry's order; parsing it gives the kind back.
    #[test]
    fn kinds_round_trip_through_their_names() {
        assert_eq!(
            ProviderKind::ALL.map(ProviderKind::as_str),
            ProviderKind::NAMES
        );
        assert_eq!(
            &ProviderKind::NAMES[..4],
            ["aihc", "qianfan", "modelarts", "sugon"]
        );
        for kind in ProviderKind::ALL {
            assert_eq!(ProviderKind::parse(kind.as_str()), Some(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        assert_eq!(ProviderKind::parse("Aihc"), None);
        assert_eq!(ProviderKind::parse(""), None);
    }

    /// A config is found as its own provider's type and no other.
    #[test]
    fn a_config_is_its_providers_type() {
        let text = crate::config::testing::account(
            "sugon",
            "s",
            "endpoint = \"https://ac.example\"\nuser = \"u\"\npassword = \"p\"\norg_id = \"o\"\n",
        );
        let settings = crate::config::testing::parse(&text, &[]).unwrap();
        let config = &settings.accounts[0].provider_config;
        assert!(config.get::<sugon::Config>().is_some());
        assert!(config.get::<aihc::Config>().is_none());
    }
}
