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
const SETTING_KEYS: [&str; 9] = [
    "listen",
    "data_dir",
    "database_url",
    "nats_url",
    "key_file",
    "limits",
    "auth",
    "http",
    "metrics",
];

pub fn load(file: Option<&Path>, flags: &ServeFlags) -> anyhow::Result<Settings> {
    load_with_env(file, std::env::vars(), flags)
}

fn load_with_env(
    file: Option<&Path>,
    vars: impl Iterator<Item = (String, String)>,
    flags: &ServeFlags,
) -> anyhow::Result<Settings> {
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
    let env: config::Map<String, String> = vars
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
            .prefix_separator("_")
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
    if let Some(file) = &flags.key_file {
        builder = builder.set_override("key_file", file.display().to_string())?;
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
    fn environment_variables_override_the_file_and_flags_override_both() {
        let dir = std::env::temp_dir().join(format!("kefu-config-env-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("kefu.toml");
        std::fs::write(&file, "nats_url = \"nats://file:4222\"\n").unwrap();
        let vars = [
            ("KEFU_NATS_URL", "nats://env:4222"),
            ("KEFU_LIMITS__MESSAGES_PER_SECOND", "1000"),
            ("KEFU_DATA_DIR", "/from/env"),
            ("KEFU_LOG", "debug"),
            ("KEFU_BIN", "/not/a/setting"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));
        let flags = ServeFlags {
            data_dir: Some("/from/flag".into()),
            ..ServeFlags::default()
        };
        let settings = load_with_env(Some(&file), vars.into_iter(), &flags).unwrap();
        assert_eq!(settings.nats_url, "nats://env:4222");
        assert_eq!(settings.limits.messages_per_second, 1000);
        assert_eq!(settings.data_dir, std::path::PathBuf::from("/from/flag"));
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
