//! Settings, layered: defaults → kefu.toml → `KEFU_…` environment variables → flags.

use std::path::Path;

use anyhow::Context;
use config::{Config, Environment, File, FileFormat};
use kefu_server::Settings;

use crate::ServeFlags;

/// The commented example printed by `kefu config default`.
pub const EXAMPLE: &str = include_str!("../kefu.example.toml");

/// Top-level keys environment variables may set; other `KEFU_*` variables (KEFU_LOG,
/// KEFU_CONFIG, a test's own) are not settings and are ignored here.
const SETTING_KEYS: [&str; 6] = [
    "listen",
    "data_dir",
    "database_url",
    "nats_url",
    "limits",
    "auth",
];

pub fn load(file: Option<&Path>, flags: &ServeFlags) -> anyhow::Result<Settings> {
    let mut builder = Config::builder();
    match file {
        Some(path) => {
            builder = builder.add_source(File::from(path).format(FileFormat::Toml).required(true));
        }
        None if Path::new("kefu.toml").exists() => {
            builder = builder.add_source(File::new("kefu.toml", FileFormat::Toml));
        }
        None => {}
    }
    let env: config::Map<String, String> = std::env::vars()
        .filter(|(key, _)| {
            key.strip_prefix("KEFU_").is_some_and(|rest| {
                let rest = rest.to_lowercase();
                SETTING_KEYS
                    .iter()
                    .any(|k| rest == *k || rest.starts_with(&format!("{k}__")))
            })
        })
        .collect();
    builder = builder.add_source(
        Environment::with_prefix("KEFU")
            .separator("__")
            .try_parsing(true)
            .source(Some(env)),
    );
    if let Some(listen) = &flags.listen {
        builder = builder.set_override("listen", listen.as_str())?;
    }
    if let Some(dir) = &flags.data_dir {
        builder = builder.set_override("data_dir", dir.display().to_string())?;
    }
    if let Some(url) = &flags.database_url {
        builder = builder.set_override("database_url", url.as_str())?;
    }
    if let Some(url) = &flags.nats_url {
        builder = builder.set_override("nats_url", url.as_str())?;
    }
    builder
        .build()?
        .try_deserialize()
        .context("reading settings (kefu.toml, KEFU_* variables, flags)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_states_exactly_the_defaults() {
        let from_example: Settings = Config::builder()
            .add_source(File::from_str(EXAMPLE, FileFormat::Toml))
            .build()
            .unwrap()
            .try_deserialize()
            .unwrap();
        assert_eq!(
            format!("{from_example:?}"),
            format!("{:?}", Settings::default())
        );
    }

    #[test]
    fn flags_override_the_file() {
        let dir = std::env::temp_dir().join(format!("kefu-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("kefu.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\n[limits]\nmessages_per_second = 5\n",
        )
        .unwrap();
        let flags = ServeFlags {
            listen: Some("127.0.0.1:9100".into()),
            ..ServeFlags::default()
        };
        let settings = load(Some(&file), &flags).unwrap();
        assert_eq!(settings.listen.port(), 9100);
        assert_eq!(settings.limits.messages_per_second, 5);
    }

    #[test]
    fn a_typo_in_the_file_is_an_error() {
        let dir = std::env::temp_dir().join(format!("kefu-config-typo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("kefu.toml");
        std::fs::write(&file, "lisen = \"127.0.0.1:9000\"\n").unwrap();
        assert!(load(Some(&file), &ServeFlags::default()).is_err());
    }
}
