//! `kefu keys status | rotate | retire`: the key file that seals phone numbers and secrets
//! in the database (issue #14).

use std::collections::BTreeMap;

use clap::{Args, Subcommand};
use kefu_store::{Field, Store};

use crate::ServeFlags;

#[derive(Subcommand)]
pub enum KeysCommand {
    /// List the keys and how many stored values each one seals.
    Status(StorageArgs),
    /// Add a key that seals from now on, and reseal every stored value with it.
    Rotate(StorageArgs),
    /// Remove a key from the key file once no stored value is sealed with it.
    Retire(RetireArgs),
}

#[derive(Args)]
pub struct StorageArgs {
    #[command(flatten)]
    storage: ServeFlags,
}

#[derive(Args)]
pub struct RetireArgs {
    /// The key's id, as `kefu keys status` lists it.
    id: String,
    #[command(flatten)]
    storage: ServeFlags,
}

impl KeysCommand {
    pub fn storage(&self) -> &ServeFlags {
        match self {
            KeysCommand::Status(args) | KeysCommand::Rotate(args) => &args.storage,
            KeysCommand::Retire(args) => &args.storage,
        }
    }
}

pub async fn run(store: &Store, command: &KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Status(_) => status(store).await,
        KeysCommand::Rotate(_) => {
            let before = store.vault().key_ids();
            let id = store.vault().add_key()?;
            println!("added key {id}: it seals new values from now on");
            let resealed = store.reseal().await?;
            println!("resealed {resealed} stored values with {id}");
            let counts = per_key(store).await?;
            let idle: Vec<&String> = before
                .iter()
                .filter(|old| !counts.contains_key(&Some((*old).clone())))
                .collect();
            for old in idle {
                println!("{old} seals nothing any more: `kefu keys retire {old}` removes it");
            }
            Ok(())
        }
        KeysCommand::Retire(args) => {
            store.retire_key(&args.id).await?;
            println!("retired key {}", args.id);
            Ok(())
        }
    }
}

/// Stored values per key (`None`: plaintext), each with its count per field.
async fn per_key(store: &Store) -> anyhow::Result<BTreeMap<Option<String>, Vec<(Field, u64)>>> {
    let mut keys: BTreeMap<Option<String>, Vec<(Field, u64)>> = BTreeMap::new();
    for ((key, field), n) in store.sealed_counts().await? {
        keys.entry(key).or_default().push((field, n));
    }
    Ok(keys)
}

async fn status(store: &Store) -> anyhow::Result<()> {
    let vault = store.vault();
    if let Some(file) = vault.key_file() {
        println!("key file: {}", file.display());
    }
    let counts = per_key(store).await?;
    let describe = |fields: Option<&Vec<(Field, u64)>>| -> String {
        let Some(fields) = fields else {
            return "0 values".into();
        };
        let total: u64 = fields.iter().map(|(_, n)| n).sum();
        let parts: Vec<String> = fields
            .iter()
            .map(|(field, n)| format!("{} {n}", field.label()))
            .collect();
        format!("{total} values ({})", parts.join(", "))
    };
    for (i, id) in vault.key_ids().iter().enumerate() {
        let role = if i == 0 { "seals and opens" } else { "opens" };
        println!(
            "{id}  {role:<15}  {}",
            describe(counts.get(&Some(id.clone())))
        );
    }
    let missing: Vec<&Option<String>> = counts
        .keys()
        .filter(|key| key.as_ref().is_some_and(|k| !vault.key_ids().contains(k)))
        .collect();
    for key in missing.into_iter().flatten() {
        println!(
            "{key}  MISSING from the key file  {}",
            describe(counts.get(&Some(key.clone())))
        );
    }
    if let Some(plain) = counts.get(&None) {
        println!("plaintext  {}", describe(Some(plain)));
    }
    Ok(())
}
