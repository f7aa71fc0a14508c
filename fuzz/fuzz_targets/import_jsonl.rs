//! A shop's JSON Lines import (CH-2, CH-6; `docs/import.md`): the first byte picks products,
//! orders or knowledge base entries (BOT-1), the rest is the file as the API and `kefu import`
//! read it, UTF-8.
#![no_main]

use kefu_server::import::{Format, parse_kb, parse_orders, parse_products};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let _ = Format::detect(None, text);
    match kind % 3 {
        0 => drop(parse_products(text, Format::Jsonl)),
        1 => drop(parse_orders(text, Format::Jsonl)),
        _ => drop(parse_kb(text, Format::Jsonl)),
    }
});
