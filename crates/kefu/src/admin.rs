//! `kefu shop create|list` and `kefu user add|reset-password|list` (issue #15): shops and
//! accounts from the command line, for scripts and recovery, by the same rules as the team
//! page and audited like it (`kefu_server::accounts`). Passwords come on standard input, never
//! in the arguments (which other users of the machine can read).

use std::io::BufRead;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use kefu_domain::account::{Tenant, TenantKind};
use kefu_domain::role::Role;
use kefu_server::accounts::{self, AccountRequest, Actor};
use kefu_server::error::ApiError;
use kefu_store::Store;

use crate::ServeFlags;

#[derive(Subcommand)]
pub enum ShopCommand {
    /// Create a shop (or, with --platform, the platform's official desk) with its default
    /// teams; then add its super admin with `kefu user add`.
    Create(Box<ShopCreateArgs>),
    /// List the shops and the platform desk, with their accounts.
    List(StorageArgs),
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add an account to a shop; the password is read from standard input.
    Add(Box<UserAddArgs>),
    /// Set an account's password (read from standard input) and sign it out of the UI.
    ResetPassword(Box<UserPasswordArgs>),
    /// List a shop's accounts.
    List(Box<UserListArgs>),
}

#[derive(Args)]
pub struct StorageArgs {
    #[command(flatten)]
    storage: ServeFlags,
}

#[derive(Args)]
pub struct ShopCreateArgs {
    /// 2–32 lower-case letters, digits or '-': the shop's chat page is /chat/SLUG.
    #[arg(long)]
    slug: String,
    /// The name buyers and agents see.
    #[arg(long)]
    name: String,
    /// The platform's official desk (官方客服) instead of a shop.
    #[arg(long)]
    platform: bool,
    #[command(flatten)]
    storage: ServeFlags,
}

#[derive(Args)]
pub struct UserAddArgs {
    /// The shop's slug.
    #[arg(long)]
    shop: String,
    /// 3–32 lower-case letters, digits, '-', '_' or '.'; unique on this server.
    #[arg(long)]
    username: String,
    /// super_admin, supervisor, agent or qa.
    #[arg(long)]
    role: String,
    /// The name customers and colleagues see [default: the username].
    #[arg(long)]
    display_name: Option<String>,
    /// A team key (pre_sales, after_sales, qa, or one of the shop's own).
    #[arg(long)]
    team: Option<String>,
    /// A mainland mobile number.
    #[arg(long)]
    phone: Option<String>,
    /// Read the password (8–128 characters) from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
    #[command(flatten)]
    storage: ServeFlags,
}

#[derive(Args)]
pub struct UserPasswordArgs {
    #[arg(long)]
    shop: String,
    #[arg(long)]
    username: String,
    /// Read the new password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
    #[command(flatten)]
    storage: ServeFlags,
}

#[derive(Args)]
pub struct UserListArgs {
    #[arg(long)]
    shop: String,
    #[command(flatten)]
    storage: ServeFlags,
}

impl ShopCommand {
    pub fn storage(&self) -> &ServeFlags {
        match self {
            ShopCommand::Create(args) => &args.storage,
            ShopCommand::List(args) => &args.storage,
        }
    }
}

impl UserCommand {
    pub fn storage(&self) -> &ServeFlags {
        match self {
            UserCommand::Add(args) => &args.storage,
            UserCommand::ResetPassword(args) => &args.storage,
            UserCommand::List(args) => &args.storage,
        }
    }
}

/// A refusal as an operator reads it: the message and its stable code.
fn refused(error: ApiError) -> anyhow::Error {
    anyhow::anyhow!("{error} ({})", error.code())
}

async fn shop(store: &Store, slug: &str) -> anyhow::Result<Tenant> {
    store
        .tenant_by_slug(slug)
        .await?
        .with_context(|| format!("no shop `{slug}` (kefu shop list shows them)"))
}

/// The first line of standard input, without its line break.
fn password_from_stdin(asked: bool) -> anyhow::Result<String> {
    if !asked {
        bail!("give the password on standard input with --password-stdin");
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("standard input held no password");
    }
    Ok(password)
}

pub async fn shop_command(store: &Store, command: &ShopCommand) -> anyhow::Result<()> {
    match command {
        ShopCommand::Create(args) => {
            let kind = if args.platform {
                TenantKind::Platform
            } else {
                TenantKind::Shop
            };
            let tenant = accounts::create_tenant(
                store,
                &Actor::command_line(),
                kind,
                &args.slug,
                &args.name,
            )
            .await
            .map_err(refused)?;
            println!(
                "created {} `{}` ({}); add its super admin with: kefu user add --shop {} --username NAME --role super_admin --password-stdin",
                tenant.kind.as_str(),
                tenant.slug,
                tenant.name,
                tenant.slug
            );
            Ok(())
        }
        ShopCommand::List(_) => {
            let tenants = store.tenants().await?;
            if tenants.is_empty() {
                println!("no shops yet: kefu shop create --slug SLUG --name NAME");
            }
            for tenant in tenants {
                let accounts = store.count_accounts(tenant.id).await?;
                println!(
                    "{:<24} {:<8} {:>4} accounts  {}",
                    tenant.slug,
                    tenant.kind.as_str(),
                    accounts,
                    tenant.name
                );
            }
            Ok(())
        }
    }
}

pub async fn user_command(store: &Store, command: &UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add(args) => {
            let role = Role::parse(&args.role).with_context(|| {
                format!(
                    "unknown role `{}`: super_admin, supervisor, agent or qa",
                    args.role
                )
            })?;
            let password = password_from_stdin(args.password_stdin)?;
            let tenant = shop(store, &args.shop).await?;
            let user = accounts::create_account(
                store,
                tenant.id,
                &Actor::command_line(),
                AccountRequest {
                    username: &args.username,
                    display_name: args.display_name.as_deref().unwrap_or(&args.username),
                    password,
                    phone: args.phone.as_deref(),
                    role,
                    team: args.team.as_deref(),
                },
            )
            .await
            .map_err(refused)?;
            println!(
                "added {} ({}) to {} as {}",
                user.username,
                user.display_name,
                tenant.slug,
                user.role.as_str()
            );
            Ok(())
        }
        UserCommand::ResetPassword(args) => {
            let password = password_from_stdin(args.password_stdin)?;
            let tenant = shop(store, &args.shop).await?;
            let user = account(store, &tenant, &args.username).await?;
            accounts::reset_password(store, tenant.id, &Actor::command_line(), user.id, password)
                .await
                .map_err(refused)?;
            println!(
                "set a new password for {} in {}; its UI sessions have ended",
                user.username, tenant.slug
            );
            Ok(())
        }
        UserCommand::List(args) => {
            let tenant = shop(store, &args.shop).await?;
            for user in store.accounts(tenant.id).await? {
                println!(
                    "{:<24} {:<12} {:<12} {:<13} {}{}",
                    user.username,
                    user.role.as_str(),
                    user.team.as_deref().unwrap_or("-"),
                    user.phone_masked.as_deref().unwrap_or("-"),
                    user.display_name,
                    if user.disabled { "  (disabled)" } else { "" }
                );
            }
            Ok(())
        }
    }
}

async fn account(
    store: &Store,
    tenant: &Tenant,
    username: &str,
) -> anyhow::Result<kefu_domain::account::User> {
    let username = username.trim().to_lowercase();
    store
        .accounts(tenant.id)
        .await?
        .into_iter()
        .find(|u| u.username == username)
        .with_context(|| format!("no account `{username}` in {}", tenant.slug))
}
