//! A shop's lexicon (BOT-2) as `PUT /robot/settings` and `--lexicon FILE` take it: read and
//! checked, and when it passes, messages read with it. The input is the lexicon's JSON, then
//! a line break, then the messages one a line.
#![no_main]

use kefu_robot::Lexicon;
use kefu_robot::text::Analyzer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (json, messages) = text.split_once('\n').unwrap_or((text, ""));
    let Ok(lexicon) = serde_json::from_str::<Lexicon>(json) else {
        return;
    };
    if lexicon.check().is_err() {
        return;
    }
    let analyzer = Analyzer::new(&Lexicon::builtin().with(&lexicon));
    for message in messages.lines().take(8) {
        // The test console takes up to 500 characters.
        let message: String = message.chars().take(500).collect();
        let analysis = analyzer.analyze(&message);
        let _ = analyzer.blocked_in(&analysis);
        let _ = analysis.content();
    }
});
