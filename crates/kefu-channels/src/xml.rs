//! WeChat's flat XML (CHANNELS.md §2.2): `<xml>` with one element per field, text in CDATA
//! or bare; nested elements (`<Video><MediaId>`) are read as `Video/MediaId`.

use std::collections::BTreeMap;

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::WireError;

/// How deep a document may nest and how many fields it may have: a callback is a few
/// hundred bytes; anything bigger is not WeChat's.
const MAX_DEPTH: usize = 4;
const MAX_FIELDS: usize = 64;

/// The fields of a `<xml>` document, by path below the root.
pub fn fields(xml: &str) -> Result<BTreeMap<String, String>, WireError> {
    // Not trimmed: quick-xml splits text at entity references, and a trim would eat the
    // spaces around them; whitespace between fields is dropped below.
    let mut reader = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut out = BTreeMap::new();
    let mut seen_root = false;
    loop {
        match reader.read_event().map_err(|_| WireError::BadXml)? {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if path.is_empty() {
                    if seen_root || name != "xml" {
                        return Err(WireError::BadXml);
                    }
                    seen_root = true;
                }
                path.push(name);
                if path.len() > MAX_DEPTH {
                    return Err(WireError::BadXml);
                }
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Empty(e) => {
                if path.is_empty() {
                    return Err(WireError::BadXml);
                }
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                insert(&mut out, &path, &name, String::new())?;
            }
            Event::Text(t) => {
                let text = t.decode().map_err(|_| WireError::BadXml)?;
                let text = quick_xml::escape::unescape(&text).map_err(|_| WireError::BadXml)?;
                add_text(&mut out, &path, &text)?;
            }
            Event::CData(c) => {
                let text = c.decode().map_err(|_| WireError::BadXml)?;
                add_text(&mut out, &path, &text)?;
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|_| WireError::BadXml)?;
                let text = match name.as_ref() {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => return Err(WireError::BadXml),
                };
                add_text(&mut out, &path, text)?;
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !seen_root || !path.is_empty() {
        return Err(WireError::BadXml);
    }
    Ok(out)
}

fn add_text(
    out: &mut BTreeMap<String, String>,
    path: &[String],
    text: &str,
) -> Result<(), WireError> {
    // Text directly under the root (outside any field) is not WeChat's.
    if path.len() < 2 {
        return match text.trim().is_empty() {
            true => Ok(()),
            false => Err(WireError::BadXml),
        };
    }
    let key = path[1..].join("/");
    if text.trim().is_empty() && !out.contains_key(&key) && path.len() > 2 {
        return Ok(());
    }
    if out.len() >= MAX_FIELDS && !out.contains_key(&key) {
        return Err(WireError::BadXml);
    }
    out.entry(key).or_default().push_str(text);
    Ok(())
}

fn insert(
    out: &mut BTreeMap<String, String>,
    path: &[String],
    name: &str,
    value: String,
) -> Result<(), WireError> {
    let key = path[1..]
        .iter()
        .map(String::as_str)
        .chain([name])
        .collect::<Vec<_>>()
        .join("/");
    if out.len() >= MAX_FIELDS {
        return Err(WireError::BadXml);
    }
    out.entry(key).or_insert(value);
    Ok(())
}

/// Text as a CDATA section (a `]]>` inside is split across two sections).
pub fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cdata_bare_and_nested_fields() {
        let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName>\n<CreateTime>1348831860</CreateTime><Video><MediaId><![CDATA[m1]]></MediaId></Video><Content>a &amp; b</Content></xml>";
        let f = fields(xml).unwrap();
        assert_eq!(f["ToUserName"], "toUser");
        assert_eq!(f["CreateTime"], "1348831860");
        assert_eq!(f["Video/MediaId"], "m1");
        assert_eq!(f["Content"], "a & b");
    }

    #[test]
    fn refuses_what_is_not_a_wechat_document() {
        for bad in [
            "",
            "<notxml/>",
            "<xml><a>1</a></xml><xml/>",
            "<xml><a>1</xml>",
            "<xml>loose</xml>",
            "<xml><a><b><c><d>deep</d></c></b></a></xml>",
            "<xml><a>&unknown;</a></xml>",
        ] {
            assert!(fields(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cdata_survives_its_terminator() {
        let xml = format!("<xml><Content>{}</Content></xml>", cdata("a]]>b"));
        assert_eq!(fields(&xml).unwrap()["Content"], "a]]>b");
    }
}
