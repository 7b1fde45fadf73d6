//! What the config's and the providers' tests share: one account's config text, parsing it with
//! an environment, the errors of one that must be invalid, and an account's
//! config as its provider's own type.

use super::{from_str, ConfigErrors, Env, Settings};

/// One `[[accounts]]` table: `name`, `provider`, then `keys`.
pub fn account(provider: &str, name: &str, keys: &str) -> String {
    format!("[[accounts]]\nname = \"{name}\"\nprovider = \"{provider}\"\n{keys}")
}

/// A TOML config parsed with `env` as the environment.
pub fn parse(text: &str, env: &[(&str, &str)]) -> Result<Settings, ConfigErrors> {
    from_str(text, "toml", &Env::from_pairs(env.iter().copied()))
}

/// The messages of a config that must be invalid.
pub fn errors(text: &str, env: &Env) -> Vec<String> {
    match from_str(text, "toml", env) {
        Ok(_) => panic!("config should be invalid:\n{text}"),
        Err(e) => messages(&e),
    }
}

/// Each error of `e` as text.
pub fn messages(e: &ConfigErrors) -> Vec<String> {
    e.0.iter().map(ToString::to_string).collect()
}

/// Account `i`'s provider config, as the type the test expects.
pub fn provider_config<C: 'static>(settings: &Settings, i: usize) -> &C {
    let config = &settings.accounts[i].provider_config;
    config
        .get()
        .unwrap_or_else(|| panic!("account {i} is another provider: {config:?}"))
}
