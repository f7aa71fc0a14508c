//! `kefu channel`: connect a shop's channel from the command line and list them (issue #21),
//! printing the callback URL to paste into the platform's console.

use anyhow::Context;
use clap::{Args, Subcommand};
use kefu_server::accounts::Actor;
use kefu_server::channels::{self, ChannelInput, Kind};
use kefu_store::Store;

use crate::ServeFlags;

#[derive(Subcommand)]
pub enum ChannelCommand {
    /// Connect a channel: KIND is wechat-mp, wecom-kf, douyin, email, phone or widget. Prints the callback URL and token for the platform's console, or the widget's
    /// script tag.
    Add(Box<ChannelAddArgs>),
    /// List a shop's channels (or every shop's) with their health.
    List(Box<ChannelListArgs>),
}

#[derive(Args)]
pub struct ChannelAddArgs {
    /// wechat-mp, wecom-kf, douyin, email, phone or widget
    kind: String,
    /// The shop's slug.
    #[arg(long)]
    shop: String,
    /// What agents see it as [default: the kind and the AppID].
    #[arg(long)]
    name: Option<String>,
    /// The token set in the platform's console (1–32 letters or digits; not for douyin); a
    /// phone line's push password (16–64 characters).
    #[arg(long, alias = "password", default_value = "")]
    token: String,
    /// The 43-character EncodingAESKey (compatible and safe mode; always for wecom-kf).
    #[arg(long)]
    aes_key: Option<String>,
    /// The Official Account's AppID, WeCom's CorpID (企业ID), Douyin's Client Key, or the
    /// phone line's number.
    #[arg(
        long,
        alias = "corp-id",
        alias = "client-key",
        alias = "number",
        alias = "address",
        default_value = ""
    )]
    app_id: String,
    /// The Official Account's AppSecret, the 微信客服 Secret (for sending and pulling), or
    /// Douyin's Client Secret.
    #[arg(long, alias = "secret", alias = "client-secret", default_value = "")]
    app_secret: String,
    /// A site the widget goes on (https://shop.example.com); repeat for each, up to 10.
    #[arg(long = "origin")]
    origins: Vec<String>,
    /// The widget's colour, #RRGGBB.
    #[arg(long)]
    color: Option<String>,
    /// Where the widget's bubble sits: right (the default) or left.
    #[arg(long)]
    position: Option<String>,
    /// safe (the default), compatible or plain: as chosen in the console; a phone line's
    /// call records: tccc (the default) or generic.
    #[arg(long, alias = "format")]
    mode: Option<String>,
    /// A phone line's hours, HH:MM-HH:MM every day [default: 09:00-21:00].
    #[arg(long)]
    hours: Option<String>,
    /// An email channel's IMAP server (the address is --address, the password --password).
    #[arg(long)]
    imap_host: Option<String>,
    /// [default: 993]
    #[arg(long)]
    imap_port: Option<u16>,
    /// An email channel's SMTP server.
    #[arg(long)]
    smtp_host: Option<String>,
    /// [default: 465, 587 with --security starttls]
    #[arg(long)]
    smtp_port: Option<u16>,
    /// The mailbox's login when it is not the address.
    #[arg(long)]
    username: Option<String>,
    /// tls (the default) or starttls.
    #[arg(long)]
    security: Option<String>,
    /// A wecom-kf account's contact link (客服链接, https://…): agents move buyers of other
    /// channels to it.
    #[arg(long)]
    contact_url: Option<String>,
    /// The platform API's address, only for a test double of it.
    #[arg(long, hide = true)]
    api_base: Option<String>,
    /// kefu's public address, for the callback URL [default: http.public_url].
    #[arg(long)]
    public_url: Option<String>,
    #[command(flatten)]
    storage: ServeFlags,
}

#[derive(Args)]
pub struct ChannelListArgs {
    /// Only this shop's.
    #[arg(long)]
    shop: Option<String>,
    #[command(flatten)]
    storage: ServeFlags,
}

impl ChannelCommand {
    pub fn storage(&self) -> &ServeFlags {
        match self {
            ChannelCommand::Add(args) => &args.storage,
            ChannelCommand::List(args) => &args.storage,
        }
    }
}

/// `09:00-21:00` as every day's hours.
fn daily_hours(text: &str) -> anyhow::Result<kefu_domain::hours::OfficeHours> {
    let (open, close) = text
        .split_once('-')
        .with_context(|| format!("hours are HH:MM-HH:MM, not `{text}`"))?;
    Ok(kefu_domain::hours::OfficeHours {
        days: (1..=7).collect(),
        open: open.trim().to_owned(),
        close: close.trim().to_owned(),
    })
}

fn when(at: Option<i64>) -> String {
    at.and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "never".to_owned())
}

pub async fn run(
    store: &Store,
    command: &ChannelCommand,
    public_url: &str,
    test_doubles: bool,
) -> anyhow::Result<()> {
    match command {
        ChannelCommand::Add(args) => {
            let tenant = store
                .tenant_by_slug(&args.shop)
                .await?
                .with_context(|| format!("no shop `{}` (kefu shop list shows them)", args.shop))?;
            let input = ChannelInput {
                kind: args.kind.clone(),
                name: args.name.clone(),
                app_id: args.app_id.clone(),
                app_secret: args.app_secret.clone(),
                token: args.token.clone(),
                aes_key: args.aes_key.clone(),
                mode: args.mode.clone(),
                api_base: args.api_base.clone(),
                origins: args.origins.clone(),
                color: args.color.clone(),
                position: args.position.clone(),
                hours: args.hours.as_deref().map(daily_hours).transpose()?,
                email: args
                    .imap_host
                    .as_ref()
                    .map(|imap| channels::email::Servers {
                        imap_host: imap.clone(),
                        imap_port: args.imap_port,
                        smtp_host: args.smtp_host.clone().unwrap_or_default(),
                        smtp_port: args.smtp_port,
                        username: args.username.clone(),
                        security: args.security.clone(),
                    }),
                contact_url: args.contact_url.clone(),
            };
            let actor = Actor::command_line();
            let row =
                channels::connect(store, tenant.id, &input, (None, &actor.name), test_doubles)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
            let path = Kind::parse(&row.kind)
                .map(|k| k.callback_path(row.id))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let base = args
                .public_url
                .as_deref()
                .unwrap_or(public_url)
                .trim_end_matches('/');
            let base = if base.is_empty() {
                "https://<kefu's public address>"
            } else {
                base
            };
            println!("connected {} `{}` to {}", row.kind, row.name, tenant.slug);
            if !path.is_empty() {
                println!("callback URL: {base}{path}");
            }
            let kind = Kind::parse(&row.kind).map_err(|e| anyhow::anyhow!("{e}"))?;
            if kind == Kind::Widget {
                println!("Put this on every page of your site, before </body>:");
                println!("<script src=\"{base}{path}\" async></script>");
                println!(
                    "A logged-in member: add data-identity=\"<your identity token>\" to the tag (docs/entry-links.md)."
                );
                return Ok(());
            }
            if kind == Kind::Email {
                println!(
                    "kefu reads {} by IMAP and answers by SMTP; buyers' replies come back to their conversation. Nothing to paste anywhere.",
                    row.public_id
                );
                return Ok(());
            }
            if kind == Kind::Phone {
                println!("password:     {}", args.token.trim());
                println!(
                    "format:       {}",
                    row.settings["format"].as_str().unwrap_or("tccc")
                );
                println!(
                    "In the contact center's console (TCCC: 电话 CDR 数据推送), enter this URL with ?action=cdr&version=1, HTTP Basic authentication with any user name and this password; other vendors push the generic record with `Authorization: Bearer <password>` (docs/http-api.md)."
                );
                return Ok(());
            }
            if kind != Kind::Douyin {
                println!("token:        {}", args.token.trim());
                println!(
                    "mode:         {}",
                    row.settings["mode"].as_str().unwrap_or("safe")
                );
            }
            match kind {
                Kind::Douyin => println!(
                    "In Douyin's developer console (开发配置 → Webhooks), enter this URL and subscribe to the private-message events (im_receive_msg); add {base}{} as the grant's redirect address. Then, in kefu's 渠道接入, press 授权 and let the enterprise account's owner grant its private messages.",
                    channels::douyin::grant_path(row.id)
                ),
                Kind::WecomKf => println!(
                    "In WeCom's admin console (应用管理 → 微信客服 → API → 接收事件服务器), enter this URL, the token and the EncodingAESKey; then let the API manage the kf accounts kefu serves (通过API管理微信客服账号)."
                ),
                _ => println!(
                    "In the account's console (设置与开发 → 基本配置 → 服务器配置), enter this URL, the token and the EncodingAESKey, and choose the same mode."
                ),
            }
            Ok(())
        }
        ChannelCommand::List(args) => {
            let tenants = match &args.shop {
                Some(slug) => vec![
                    store
                        .tenant_by_slug(slug)
                        .await?
                        .with_context(|| format!("no shop `{slug}`"))?,
                ],
                None => store.tenants().await?,
            };
            let mut any = false;
            for tenant in tenants {
                for row in store.channels(tenant.id).await? {
                    any = true;
                    let path = Kind::parse(&row.kind)
                        .map(|k| k.callback_path(row.id))
                        .unwrap_or_default();
                    println!(
                        "{:<16} {:<10} {:<20} {}{}  {}",
                        tenant.slug,
                        row.kind,
                        row.public_id,
                        public_url.trim_end_matches('/'),
                        path,
                        if row.paused { "paused" } else { "active" }
                    );
                    println!(
                        "    last in {} · last out {} · last error {}{}",
                        when(row.last_in_at),
                        when(row.last_out_at),
                        when(row.last_error_at),
                        if row.last_error.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", row.last_error)
                        }
                    );
                }
            }
            if !any {
                println!(
                    "no channels yet: kefu channel add wechat-mp --shop SLUG --app-id … --app-secret … --token … --aes-key …"
                );
            }
            Ok(())
        }
    }
}
