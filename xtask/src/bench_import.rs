//! `cargo xtask bench-import`: a release `kefu import orders` of 100,000 generated orders
//! (about 200,000 CSV lines) into a demo data directory, then the same file again (all
//! unchanged), next to raw SQLite multi-row inserts of as many rows in the same run.

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

const ORDERS: usize = 100_000;

pub fn build_and_run() -> anyhow::Result<()> {
    crate::release_then(&["kefu", "xtask"], "bench-import-run", &[])
}

pub fn run() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("kefu-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let csv = dir.join("orders.csv");
    let lines = write_orders(&csv)?;
    println!(
        "== {ORDERS} orders, {lines} CSV lines ({} MB) ==",
        std::fs::metadata(&csv)?.len() / 1_000_000
    );

    let runtime = tokio::runtime::Runtime::new()?;
    let raw = runtime.block_on(crate::bench::raw_sqlite_multirow(
        &dir.join("raw.db"),
        400,
        lines,
    ))?;
    println!("raw SQLite, 400-row INSERTs, 1 per tx: {raw:>9.0} rows/s");

    // A data directory with the demo shops (the import needs the shop).
    let data = dir.join("kefu");
    let (mut server, _) = crate::bench::start_kefu(&data)?;
    let _ = server.kill();
    let _ = server.wait();

    let first = import(&data, &csv)?;
    let again = import(&data, &csv)?;
    println!(
        "kefu import, new:       {:>9.0} orders/s ({:.1} s)",
        ORDERS as f64 / first,
        first
    );
    println!(
        "kefu import, unchanged: {:>9.0} orders/s ({:.1} s)",
        ORDERS as f64 / again,
        again
    );
    println!(
        "kefu import lines/s ÷ raw rows/s: {:.2}",
        lines as f64 / first / raw
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// Runs the import and returns its wall-clock seconds; prints its summary line.
fn import(data: &std::path::Path, csv: &std::path::Path) -> anyhow::Result<f64> {
    let started = Instant::now();
    let output = Command::new("target/release/kefu")
        .args(["import", "orders"])
        .arg(csv)
        .args(["--shop", "shanye-tea", "--data-dir"])
        .arg(data)
        .output()
        .context("running kefu import")?;
    let seconds = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    if !output.status.success() {
        bail!(
            "kefu import failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(seconds)
}

/// 100,000 orders of one to three lines, deterministic, as a shop's export would have them.
fn write_orders(path: &std::path::Path) -> anyhow::Result<usize> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "order_no,buyer_id,buyer_name,placed_at,payment_status,shipping_status,after_sale_status,\
         logistics_company,tracking_no,product_code,sku_code,item_title,quantity,unit_price_fen"
    )?;
    let statuses = [
        ("paid", "delivered", "none"),
        ("paid", "in_transit", "none"),
        ("paid", "unshipped", "none"),
        ("refunded", "returned", "refunded"),
        ("unpaid", "unshipped", "none"),
    ];
    let mut lines = 0;
    let mut state: u64 = 42;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        state >> 33
    };
    for n in 0..ORDERS {
        let (pay, ship, after) = statuses[n % statuses.len()];
        let (company, tracking) = if ship == "unshipped" {
            (String::new(), String::new())
        } else {
            (
                "顺丰速运".to_owned(),
                format!("SF{:010}", next() % 10_000_000_000),
            )
        };
        let placed = 1_790_000_000_000u64 + n as u64 * 60_000;
        let member = next() % 20_000;
        for line in 0..=(next() % 3) {
            let product = next() % 300;
            writeln!(
                out,
                "B{n:08},m{member},会员{member},{placed},{pay},{ship},{after},{company},{tracking},\
                 TEA-{product:04},TEA-{product:04}-{line},明前龙井 250g 罐装,{},{}",
                1 + next() % 3,
                3_990 + (next() % 100) * 100
            )?;
            lines += 1;
        }
    }
    out.flush()?;
    Ok(lines)
}
