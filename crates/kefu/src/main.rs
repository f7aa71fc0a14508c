//! The `kefu` command: `serve`, `demo` (serve with a seeded demo), `config default`, `import`,
//! `entry-link`, `audit verify`, `keys status|rotate|retire`, `shop create|list`,
//! `user add|reset-password|list`, `robot eval|ask`.

/// mimalloc: the robot's build and the server's message path make many small allocations, and
/// glibc's allocator spent a fifth of the robot build's time in them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod admin;
mod backup;
mod channel_cli;
mod config;
mod keys;
mod robot_cli;
mod tools;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use kefu_server::{Server, Settings, demo};
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(
    name = "kefu",
    version,
    about = "Customer service for online shops: one program, every channel."
)]
struct Cli {
    /// A kefu.toml to read (default: ./kefu.toml when it exists).
    #[arg(long, global = true, env = "KEFU_CONFIG")]
    config: Option<PathBuf>,
    /// Log lines as `text` or as `json` (one object per line, with the request's id, method
    /// and path on every line written while serving a request).
    #[arg(long, global = true, env = "KEFU_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// The log subscriber: `KEFU_LOG` filters (else `default_filter`), to stderr or stdout.
fn init_logging(format: LogFormat, default_filter: &str, to_stderr: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KEFU_LOG")
        .unwrap_or_else(|_| default_filter.into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match (format, to_stderr) {
        (LogFormat::Text, false) => builder.init(),
        (LogFormat::Text, true) => builder.with_writer(std::io::stderr).init(),
        (LogFormat::Json, false) => builder.json().with_current_span(true).init(),
        (LogFormat::Json, true) => builder
            .json()
            .with_current_span(true)
            .with_writer(std::io::stderr)
            .init(),
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(ServeFlags),
    /// Run the server with a demo platform desk and two shops (idempotent).
    Demo(ServeFlags),
    /// Settings files.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Import a shop's products, orders or knowledge base from CSV, JSON Lines or .xlsx
    /// (idempotent).
    Import(Box<tools::ImportArgs>),
    /// Print a signed chat link with context (order, product, live room, creator), as a
    /// shop's site would make one.
    EntryLink(Box<tools::EntryLinkArgs>),
    /// The tamper-evident audit log (ACC-5).
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The FAQ robot: evaluate a knowledge base on labelled questions, or ask it one.
    #[command(subcommand)]
    Robot(RobotCommand),
    /// The key file that seals phone numbers and secrets in the database: status, rotate,
    /// retire.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Shops and the platform desk: create, list.
    #[command(subcommand)]
    Shop(admin::ShopCommand),
    /// A shop's accounts: add, reset a password, list.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// A shop's channels (WeChat Official Account first): add, list (issue #21).
    #[command(subcommand)]
    Channel(channel_cli::ChannelCommand),
    /// Write a consistent, compressed backup (database and attachments) while kefu runs.
    Backup(Box<backup::BackupArgs>),
    /// Rebuild an empty data directory (SQLite, or --database-url PostgreSQL) from a backup.
    Restore(Box<backup::RestoreArgs>),
    /// Print the OpenAPI document of the HTTP API (with the WebSocket frames as schemas), as
    /// served at /api/v1/openapi.json.
    Openapi,
}

#[derive(Subcommand)]
enum RobotCommand {
    /// Build the robot from KB.jsonl and score it on QUERIES.jsonl; the last line of stdout
    /// is the figures as JSON.
    Eval(Box<robot_cli::EvalArgs>),
    /// Build the robot from KB.jsonl and print its decision on one question, explained.
    Ask(Box<robot_cli::AskArgs>),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute every entry's hash and link; exit code 1 when a chain is broken.
    Verify(Box<tools::AuditVerifyArgs>),
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the commented example kefu.toml with every default.
    Default,
}

#[derive(Args, Default)]
pub struct ServeFlags {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    listen: Option<String>,
    /// Data directory [default: ./kefu-data].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// sqlite://… or postgres://… [default: SQLite in the data directory].
    #[arg(long)]
    database_url: Option<String>,
    /// nats://… to fan events out across processes.
    #[arg(long)]
    nats_url: Option<String>,
    /// The key file sealing phone numbers and secrets [default: <data dir>/kefu.keys].
    #[arg(long)]
    key_file: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match &cli.command {
        // The server logs what it does to stdout; a one-off command only its warnings.
        Command::Serve(_) | Command::Demo(_) => {
            init_logging(cli.log_format, "info,sqlx=warn,tower_http=warn", false);
        }
        Command::Config(_) | Command::Openapi => {}
        _ => init_logging(cli.log_format, "warn", true),
    }
    match cli.command {
        Command::Config(ConfigCommand::Default) => {
            print!("{}", config::EXAMPLE);
            Ok(())
        }
        Command::Serve(flags) => run(cli.config, flags, false, cli.log_format),
        Command::Demo(flags) => run(cli.config, flags, true, cli.log_format),
        Command::Import(args) => {
            let ok = with_store(cli.config, args.storage(), async |store| {
                tools::import(store, &args).await
            })?;
            if !ok {
                // Some rows were refused: say so to scripts.
                std::process::exit(2);
            }
            Ok(())
        }
        Command::EntryLink(args) => with_store(cli.config, args.storage(), async |store| {
            tools::entry_link(store, &args).await
        }),
        Command::Backup(args) => {
            let settings = config::load(cli.config.as_deref(), &args.storage)?;
            runtime()?.block_on(backup::backup(&settings, &args))
        }
        Command::Restore(args) => runtime()?.block_on(backup::restore(&args)),
        Command::Openapi => {
            println!("{}", kefu_server::http::openapi().to_pretty_json()?);
            Ok(())
        }
        Command::Keys(command) => with_store(cli.config, command.storage(), async |store| {
            keys::run(store, &command).await
        }),
        Command::Shop(command) => with_store(cli.config, command.storage(), async |store| {
            admin::shop_command(store, &command).await
        }),
        Command::User(command) => with_store(cli.config, command.storage(), async |store| {
            admin::user_command(store, &command).await
        }),
        Command::Channel(command) => {
            let http = config::load(cli.config.as_deref(), command.storage())?.http;
            with_store(cli.config, command.storage(), async |store| {
                channel_cli::run(store, &command, &http.public_url, http.channel_test_doubles).await
            })
        }
        Command::Robot(RobotCommand::Eval(args)) => robot_cli::eval(&args),
        Command::Robot(RobotCommand::Ask(args)) => robot_cli::ask(&args),
        Command::Audit(AuditCommand::Verify(args)) => {
            let intact = with_store(cli.config, args.storage(), async |store| {
                tools::audit_verify(store, &args).await
            })?;
            if !intact {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Opens the configured database (applying migrations) and runs `work` on it.
fn with_store<T>(
    config_file: Option<PathBuf>,
    flags: &ServeFlags,
    work: impl AsyncFnOnce(&kefu_store::Store) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let settings = config::load(config_file.as_deref(), flags)?;
    runtime()?.block_on(async {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("creating {}", settings.data_dir.display()))?;
        let store = settings.open_store().await?;
        let result = work(&store).await;
        store.close().await;
        result
    })
}

fn run(
    config_file: Option<PathBuf>,
    flags: ServeFlags,
    with_demo: bool,
    log_format: LogFormat,
) -> anyhow::Result<()> {
    let settings = config::load(config_file.as_deref(), &flags)?;
    runtime()?.block_on(serve(settings, with_demo, log_format))
}

async fn serve(settings: Settings, with_demo: bool, log_format: LogFormat) -> anyhow::Result<()> {
    // With JSON logs on stdout, the banner for people goes to stderr.
    let say = |text: String| match log_format {
        LogFormat::Text => println!("{text}"),
        LogFormat::Json => eprintln!("{text}"),
    };
    let listener = TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("listening on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    let server = Server::start(settings).await?;
    if with_demo {
        let summary = demo::seed(&server.state.store)
            .await
            .map_err(|e| anyhow::anyhow!("seeding the demo: {e}"))?;
        kefu_server::demo_questions::seed(&server.state)
            .await
            .map_err(|e| anyhow::anyhow!("seeding the demo's questions: {e}"))?;
        say(format!("\nkefu demo is running at http://{addr}\n"));
        say(format!(
            "  Agent workbench: http://{addr}/agent   (password for every account: {})",
            demo::DEMO_PASSWORD
        ));
        say(format!("  API docs:        http://{addr}/api/v1/docs\n"));
        for (tenant, usernames) in &summary.tenants {
            say(format!("  {} ({})", tenant.name, tenant.slug));
            say(format!(
                "    buyer chat: http://{addr}/chat/{}",
                tenant.slug
            ));
            say(format!("    logins:     {}", usernames.join(", ")));
        }
        say("\n  Entry links a shop's site would make (signed, valid for a day):".to_owned());
        for (label, path) in &summary.entry_links {
            say(format!("  {label}: http://{addr}{path}"));
        }
        say(String::new());
    } else {
        say(format!("kefu is running at http://{addr}"));
    }
    if let Some(token) = kefu_server::setup::open_if_empty(&server.state).await? {
        say(format!(
            "\n  kefu has no shop yet. Open this link to create your shop (or your platform's\n  \
             official desk) and its super admin; it works once, and a restart prints a new one:\n\n    \
             http://{addr}/setup#{token}\n\n  (or from the command line: kefu shop create, kefu user add)\n"
        ));
    }
    server.serve(listener, shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: draining sessions");
}
