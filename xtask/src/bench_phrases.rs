//! `cargo xtask bench-phrases` (issue #17, WB-3): finding quick phrases as an agent types
//! after "/", among 5,000 of them (the knowledge base's answers, each in ten categories with a
//! shortcut), timed per search on one core beside a plain scan of the same texts for the same
//! words (`str::contains`, what a phrase list without shortcuts or pinyin would do).

use std::time::Instant;

use kefu_domain::phrases::{Searchable, initials, search};
use kefu_robot::parse_jsonl;

const PHRASES: usize = 5_000;
const SEARCHES: usize = 2_000;
const CATEGORIES: [&str; 10] = [
    "常用", "物流", "售后", "售前", "活动", "发票", "支付", "会员", "茶叶", "茶具",
];

fn percentile(sorted: &[u64], p: f64) -> u64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

pub fn build_and_run() -> anyhow::Result<()> {
    crate::release_then(&["xtask"], "bench-phrases-run", &[])
}

pub fn run() -> anyhow::Result<()> {
    let (entries, _) = parse_jsonl(&std::fs::read_to_string("crates/kefu-robot/eval/kb.jsonl")?);
    let texts: Vec<String> = (0..PHRASES)
        .map(|n| {
            let e = &entries[n % entries.len()];
            format!("{}（{}）", e.answer.text, n / entries.len())
        })
        .collect();
    let shortcuts: Vec<String> = (0..PHRASES).map(|n| format!("k{n}")).collect();
    let initial: Vec<String> = texts.iter().map(|t| initials(t)).collect();
    let phrases: Vec<Searchable<'_>> = (0..PHRASES)
        .map(|n| Searchable {
            text: &texts[n],
            category: CATEGORIES[n % CATEGORIES.len()],
            shortcut: Some(&shortcuts[n]),
            initials: &initial[n],
            uses: (n % 97) as i64,
        })
        .collect();
    // What agents type: a shortcut, pinyin initials, a word, or nothing yet.
    let queries: Vec<String> = (0..SEARCHES)
        .map(|n| match n % 4 {
            0 => format!("k{}", n % 700),
            1 => initial[n % PHRASES].chars().take(2).collect(),
            2 => texts[n % PHRASES].chars().skip(3).take(2).collect(),
            _ => String::new(),
        })
        .collect();
    println!("== {PHRASES} phrases, {SEARCHES} searches, one core ==");
    let time = |f: &dyn Fn(&str) -> usize| {
        for q in queries.iter().take(200) {
            std::hint::black_box(f(q));
        }
        let mut times: Vec<u64> = queries
            .iter()
            .map(|q| {
                let started = Instant::now();
                std::hint::black_box(f(q));
                started.elapsed().as_micros() as u64
            })
            .collect();
        times.sort_unstable();
        (percentile(&times, 0.5), percentile(&times, 0.99))
    };
    let (p50, p99) = time(&|q| search(&phrases, q, 8).len());
    let (scan50, scan99) = time(&|q| texts.iter().filter(|t| t.contains(q)).count());
    println!(
        "kefu search (shortcut, initials, text, category; 8 best): p50 {p50} µs, p99 {p99} µs"
    );
    println!(
        "plain scan (str::contains over the texts):               p50 {scan50} µs, p99 {scan99} µs"
    );
    println!(
        "ratio (kefu / plain scan): p50 {:.1}×, p99 {:.1}×",
        p50 as f64 / scan50.max(1) as f64,
        p99 as f64 / scan99.max(1) as f64
    );
    Ok(())
}
