//! A shop's CSV import (CH-2, CH-6; `docs/import.md`): the first byte picks products, orders
//! knowledge base entries (BOT-1) or real buyers' questions for them (issue #16), the rest is the file as the API and `kefu import` read
//! it, UTF-8.
#![no_main]

use kefu_server::import::{Format, parse_kb, parse_orders, parse_products, parse_questions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let _ = Format::detect(None, text);
    match kind % 4 {
        0 => drop(parse_products(text, Format::Csv)),
        1 => drop(parse_orders(text, Format::Csv)),
        2 => drop(parse_kb(text, Format::Csv)),
        _ => {
            // The questions, and where they would go in a one-entry knowledge base.
            let (questions, _, _) = parse_questions(text, Format::Csv).questions();
            let mut kb = vec![kefu_robot::Entry {
                id: "ship".into(),
                question: "多久发货".into(),
                answer: kefu_robot::Answer {
                    text: "现货付款后48小时内发货".into(),
                    ..Default::default()
                },
                ..Default::default()
            }];
            drop(kefu_robot::harvest::harvest(&mut kb, &questions));
        }
    }
});
