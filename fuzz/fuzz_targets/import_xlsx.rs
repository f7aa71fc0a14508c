//! A shop's import file as it arrives (issue #14; `docs/import.md`): the first byte picks
//! products, orders or knowledge base entries, the rest is the file's bytes, which
//! `import::decode` reads as an Excel workbook (a zip: bounded unzipping, streamed cells) or
//! as UTF-8 or GBK text, and the rows are then parsed as the API and `kefu import` parse them.
#![no_main]

use kefu_server::import::{Format, Hint, decode, parse_kb, parse_orders, parse_products};
use libfuzzer_sys::fuzz_target;

/// As the API bounds a workbook of its default 64 MiB limit, scaled to the fuzzer's inputs.
const MAX_EXPANDED: u64 = 16 << 20;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok((text, format)) = decode(rest, Hint::default(), MAX_EXPANDED) else {
        return;
    };
    assert_ne!(format, Format::Xlsx, "a workbook comes back as CSV");
    match kind % 3 {
        0 => drop(parse_products(&text, format)),
        1 => drop(parse_orders(&text, format)),
        _ => drop(parse_kb(&text, format)),
    }
});
