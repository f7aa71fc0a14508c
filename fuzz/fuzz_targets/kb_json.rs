//! Knowledge base entries (BOT-1): a JSON Lines file as `kefu robot` reads it, and one entry
//! as the API takes it, checked and read for its validity window.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (entries, errors) = kefu_robot::parse_jsonl(text);
    for error in &errors {
        let _ = serde_json::to_string(error);
    }
    for entry in &entries {
        let _ = entry.examples().count();
        let _ = entry.valid_from.as_deref().map(kefu_robot::kb::parse_time);
    }
    if let Ok(entry) = serde_json::from_str::<kefu_robot::Entry>(text)
        && entry.check().is_ok()
    {
        let _ = serde_json::to_value(&entry);
    }
});
