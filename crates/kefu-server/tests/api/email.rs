//! Issue #21, email (CHANNELS.md §7): kefu reads the channel's inbox from a local IMAP
//! server (a fake speaking RFC 3501's commands kefu uses, with IDLE) and answers through a
//! local SMTP server (a fake speaking RFC 5321). A buyer's GBK mail with a Chinese subject and
//! a picture lands once, in a conversation of its own; the agent's reply leaves threaded
//! (`Reply-To` with the conversation, `In-Reply-To` the buyer's mail); the buyer's answer
//! comes back to the same conversation with the quoted history folded away; automatic
//! answers and mail from before the channel are read past.

use std::sync::Arc;

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, Notify};

use crate::helpers::TestApp;

const ADDRESS: &str = "support@tea.example";
const PASSWORD: &str = "mail-app-password";
const BUYER: &str = "wang.xiaoming@qq.example";

/// The mails of a mailbox by UID.
type Mailbox = Arc<Mutex<Vec<(u32, Vec<u8>)>>>;

/// A mailbox behind a fake IMAP server: the mails by UID, and a bell for new ones.
#[derive(Clone, Default)]
struct FakeImap {
    mails: Mailbox,
    bell: Arc<Notify>,
    /// What the client said it is (RFC 2971's ID), as 163 mail asks before SELECT.
    said: Arc<Mutex<Vec<String>>>,
}

impl FakeImap {
    async fn deliver(&self, raw: Vec<u8>) {
        let mut mails = self.mails.lock().await;
        let uid = mails.last().map_or(1, |(uid, _)| uid + 1);
        mails.push((uid, raw));
        drop(mails);
        self.bell.notify_waiters();
    }
}

/// The quoted strings of an IMAP command's arguments, or its bare words.
fn args(line: &str) -> Vec<String> {
    let mut out = vec![];
    let mut rest = line.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('"') {
            let end = r.find('"').unwrap_or(r.len());
            out.push(r[..end].to_owned());
            rest = r.get(end + 1..).unwrap_or("").trim_start();
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            out.push(rest[..end].to_owned());
            rest = rest[end..].trim_start();
        }
    }
    out
}

async fn imap_session(fake: FakeImap, socket: tokio::net::TcpStream) {
    let (read, mut write) = socket.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"* OK fake IMAP ready\r\n").await.unwrap();
    let mut line = String::new();
    // What this session was told the mailbox holds: a server announces new mail with the
    // next answer (RFC 3501 §7.3.1), or at once in IDLE.
    let mut announced = 0;
    loop {
        line.clear();
        if read.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let words = args(&line);
        let (Some(tag), Some(command)) = (words.first(), words.get(1)) else {
            continue;
        };
        let command = command.to_uppercase();
        let mails = fake.mails.lock().await.clone();
        if command != "SELECT" && mails.len() > announced {
            announced = mails.len();
            write
                .write_all(format!("* {announced} EXISTS\r\n").as_bytes())
                .await
                .unwrap();
        }
        let answer = match command.as_str() {
            "CAPABILITY" => format!("* CAPABILITY IMAP4rev1 IDLE ID\r\n{tag} OK done\r\n"),
            "ID" => {
                fake.said.lock().await.push(line.trim().to_owned());
                format!("* ID (\"name\" \"fake\")\r\n{tag} OK ID completed\r\n")
            }
            "LOGIN" => match (
                words.get(2).map(String::as_str),
                words.get(3).map(String::as_str),
            ) {
                (Some(ADDRESS), Some(PASSWORD)) => format!("{tag} OK LOGIN completed\r\n"),
                _ => format!("{tag} NO [AUTHENTICATIONFAILED] Invalid credentials\r\n"),
            },
            "SELECT" => {
                announced = mails.len();
                let next = mails.last().map_or(1, |(uid, _)| uid + 1);
                format!(
                    "* {} EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] UIDs valid\r\n* OK [UIDNEXT {next}] next\r\n* FLAGS (\\Seen)\r\n{tag} OK [READ-WRITE] SELECT completed\r\n",
                    mails.len()
                )
            }
            "UID"
                if words
                    .get(2)
                    .is_some_and(|w| w.eq_ignore_ascii_case("SEARCH")) =>
            {
                // `UID n:*` always names the last mail, even when n is past it (RFC 3501).
                let from: u32 = words
                    .get(4)
                    .and_then(|r| r.split(':').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1);
                let mut found: Vec<u32> = mails
                    .iter()
                    .map(|(uid, _)| *uid)
                    .filter(|uid| *uid >= from)
                    .collect();
                if found.is_empty()
                    && let Some((last, _)) = mails.last()
                {
                    found.push(*last);
                }
                let list: Vec<String> = found.iter().map(u32::to_string).collect();
                format!(
                    "* SEARCH {}\r\n{tag} OK SEARCH completed\r\n",
                    list.join(" ")
                )
            }
            "UID"
                if words
                    .get(2)
                    .is_some_and(|w| w.eq_ignore_ascii_case("FETCH")) =>
            {
                let uid: u32 = words.get(3).and_then(|u| u.parse().ok()).unwrap_or(0);
                let mut out = vec![];
                if let Some(i) = mails.iter().position(|(u, _)| *u == uid) {
                    let raw = &mails[i].1;
                    out.extend(
                        format!("* {} FETCH (UID {uid} BODY[] {{{}}}\r\n", i + 1, raw.len())
                            .into_bytes(),
                    );
                    out.extend(raw);
                    out.extend(b")\r\n");
                }
                out.extend(format!("{tag} OK FETCH completed\r\n").into_bytes());
                write.write_all(&out).await.unwrap();
                continue;
            }
            "IDLE" => {
                write.write_all(b"+ idling\r\n").await.unwrap();
                let mut done = String::new();
                loop {
                    let bell = fake.bell.notified();
                    let now = fake.mails.lock().await.len();
                    if now > announced {
                        announced = now;
                        write
                            .write_all(format!("* {now} EXISTS\r\n").as_bytes())
                            .await
                            .unwrap();
                    }
                    tokio::select! {
                        n = read.read_line(&mut done) => {
                            if n.unwrap_or(0) == 0 { return; }
                            break;
                        }
                        _ = bell => {}
                    }
                }
                format!("{tag} OK IDLE terminated\r\n")
            }
            "LOGOUT" => {
                write
                    .write_all(format!("* BYE\r\n{tag} OK LOGOUT completed\r\n").as_bytes())
                    .await
                    .unwrap();
                return;
            }
            _ => format!("{tag} OK done\r\n"),
        };
        write.write_all(answer.as_bytes()).await.unwrap();
    }
}

async fn fake_imap() -> (FakeImap, u16) {
    let fake = FakeImap::default();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let serving = fake.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(imap_session(serving.clone(), socket));
        }
    });
    (fake, port)
}

/// The mails a fake SMTP server took: (the login, RCPT TO, the message).
type Sent = Arc<Mutex<Vec<(String, String, String)>>>;

async fn smtp_session(sent: Sent, socket: tokio::net::TcpStream) {
    let (read, mut write) = socket.into_split();
    let mut read = BufReader::new(read);
    let say = |s: &str| format!("{s}\r\n");
    write
        .write_all(say("220 fake ESMTP").as_bytes())
        .await
        .unwrap();
    let (mut login, mut to) = (String::new(), String::new());
    let mut line = String::new();
    loop {
        line.clear();
        if read.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let upper = line.trim().to_uppercase();
        let answer = if upper.starts_with("EHLO") {
            "250-fake\r\n250 AUTH PLAIN\r\n".to_owned()
        } else if upper.starts_with("AUTH PLAIN") {
            let given = line.trim()[10..].trim().to_owned();
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(given)
                .unwrap_or_default();
            let parts: Vec<String> = decoded
                .split(|b| *b == 0)
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect();
            login = parts.get(1).cloned().unwrap_or_default();
            match parts.get(2).map(String::as_str) == Some(PASSWORD) {
                true => say("235 2.7.0 accepted"),
                false => say("535 5.7.8 bad credentials"),
            }
        } else if upper.starts_with("MAIL FROM") {
            say("250 ok")
        } else if upper.starts_with("RCPT TO") {
            to = line.trim()[8..].trim().trim_matches(['<', '>']).to_owned();
            say("250 ok")
        } else if upper == "DATA" {
            write.write_all(say("354 go on").as_bytes()).await.unwrap();
            let mut data = vec![];
            loop {
                let mut chunk = vec![];
                read.read_until(b'\n', &mut chunk).await.unwrap();
                if chunk == b".\r\n" || chunk.is_empty() {
                    break;
                }
                data.extend(chunk);
            }
            sent.lock().await.push((
                login.clone(),
                to.clone(),
                String::from_utf8_lossy(&data).into_owned(),
            ));
            say("250 queued")
        } else if upper == "QUIT" {
            write.write_all(say("221 bye").as_bytes()).await.unwrap();
            return;
        } else {
            say("250 ok")
        };
        write.write_all(answer.as_bytes()).await.unwrap();
    }
}

async fn fake_smtp() -> (Sent, u16) {
    let sent = Sent::default();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let serving = sent.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(smtp_session(serving.clone(), socket));
        }
    });
    (sent, port)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A buyer's first mail as a Chinese client writes it: GBK, a GB2312 subject, a picture.
fn first_mail() -> Vec<u8> {
    let body = encoding_rs::GBK
        .encode("你好，我的茶叶到了但是罐子压坏了，照片见附件。")
        .0;
    let png = [&b"\x89PNG\r\n\x1a\n"[..], &[0u8; 24]].concat();
    format!(
        "From: =?GB2312?B?{name}?= <Wang.Xiaoming@QQ.example>\r\nTo: {ADDRESS}\r\n\
         Subject: =?GB2312?B?{subject}?=\r\nMessage-ID: <first-1@qq.example>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n\
         Content-Type: text/plain; charset=\"GBK\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}\r\n\
         --b1\r\nContent-Type: image/png\r\n\
         Content-Disposition: attachment; filename*=UTF-8''%E7%85%A7%E7%89%87.png\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{png}\r\n--b1--\r\n",
        name = b64(&encoding_rs::GBK.encode("王小明").0),
        subject = b64(&encoding_rs::GBK.encode("茶罐破损").0),
        body = b64(&body),
        png = b64(&png),
    )
    .into_bytes()
}

async fn email_conversation(admin: &crate::helpers::AgentClient) -> Value {
    admin
        .conversations("all")
        .await
        .into_iter()
        .find(|c| c["channel"] == "email")
        .expect("the buyer's email conversation")
}

async fn sent_to(sent: &Sent, n: usize) -> Vec<(String, String, String)> {
    for _ in 0..400 {
        let now = sent.lock().await.clone();
        if now.len() >= n {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("{n} mails did not reach the fake SMTP server");
}

#[tokio::test]
async fn a_buyers_mail_is_answered_in_one_threaded_conversation() {
    let (imap, imap_port) = fake_imap().await;
    let (sent, smtp_port) = fake_smtp().await;
    // Mail from before the channel was connected stays in the mailbox.
    imap.deliver(
        b"From: old@example.com\r\nTo: support@tea.example\r\nSubject: old\r\n\r\nold mail"
            .to_vec(),
    )
    .await;
    let app = TestApp::spawn_with(|s| s.http.channel_test_doubles = true).await;
    let admin = app.agent("tea-admin").await;
    let servers = json!({"imap_host": "127.0.0.1", "imap_port": imap_port,
        "smtp_host": "127.0.0.1", "smtp_port": smtp_port, "security": "plain"});
    let no_servers = admin
        .post(
            "/api/v1/channels",
            json!({"kind": "email", "app_id": ADDRESS, "app_secret": PASSWORD}),
        )
        .await;
    assert_eq!(no_servers.status(), StatusCode::BAD_REQUEST);
    let channel: Value = admin
        .post(
            "/api/v1/channels",
            json!({"kind": "email", "app_id": "Support@Tea.example", "app_secret": PASSWORD, "email": servers}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(channel["kind"], "email");
    assert_eq!(channel["public_id"], ADDRESS);

    // The buyer writes (the watcher is in IDLE by then, or reads it on its first pass).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    imap.deliver(first_mail()).await;
    let (c, mine) = admin.channel_buyer_messages("email", 2).await;
    assert_eq!(
        mine[0]["body"],
        "【茶罐破损】\n你好，我的茶叶到了但是罐子压坏了，照片见附件。"
    );
    assert_eq!(mine[1]["kind"], "image");
    let said = imap.said.lock().await.clone();
    assert!(
        said.first()
            .is_some_and(|id| id.contains("\"name\" \"kefu\"")),
        "kefu says who it is: {said:?}"
    );
    let conversation = email_conversation(&admin).await;
    assert!(
        conversation.to_string().contains("王小明"),
        "{conversation}"
    );
    // The same mail again (a copy under a new UID): not entered twice.
    imap.deliver(first_mail()).await;

    // The agent's reply leaves by SMTP, threaded to the buyer's mail.
    assert!(
        admin
            .reply(&c, "r-1", "很抱歉！已为您安排补发新罐。")
            .await
            .status()
            .is_success()
    );
    let mails = sent_to(&sent, 1).await;
    let (login, to, raw) = &mails[0];
    assert_eq!((login.as_str(), to.as_str()), (ADDRESS, BUYER));
    let reply = kefu_channels::email::read(raw.as_bytes()).unwrap();
    assert_eq!(reply.from, ADDRESS);
    assert_eq!(reply.subject, "Re: 茶罐破损");
    assert_eq!(reply.text, "很抱歉！已为您安排补发新罐。");
    assert_eq!(
        reply.replies_to.first().map(String::as_str),
        Some("first-1@qq.example")
    );
    let ours = reply.message_id.clone().unwrap();
    assert!(
        ours.starts_with(&format!("conversation/{c}/messages/")),
        "{ours}"
    );
    assert!(
        raw.contains(&format!("support+{c}@tea.example")),
        "the Reply-To names the conversation: {raw}"
    );

    // The buyer answers from their client: back in the same conversation, the quoted history
    // folded, no subject line.
    let answer = format!(
        "From: Wang.Xiaoming@QQ.example\r\nTo: support+{c}@tea.example\r\nSubject: Re: 茶罐破损\r\n\
         Message-ID: <answer-2@qq.example>\r\nIn-Reply-To: <{ours}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         好的，谢谢！\r\n\r\n在 2026年12月7日 16:20，茶叶小铺 <support@tea.example> 写道：\r\n> 很抱歉！已为您安排补发新罐。\r\n"
    );
    imap.deliver(answer.into_bytes()).await;
    // An out-of-office answer is read past.
    imap.deliver(
        format!("From: {BUYER}\r\nTo: {ADDRESS}\r\nAuto-Submitted: auto-replied\r\nSubject: 自动回复\r\n\r\n我在休假")
            .into_bytes(),
    )
    .await;
    // A bounce (the null reverse path) is read past too.
    imap.deliver(
        format!("Return-Path: <>\r\nFrom: {BUYER}\r\nTo: {ADDRESS}\r\nSubject: Undeliverable\r\n\r\nfailed")
            .into_bytes(),
    )
    .await;
    let (same, mine) = admin.channel_buyer_messages("email", 3).await;
    assert_eq!(same, c);
    assert_eq!(mine[2]["body"], "好的，谢谢！");
    assert!(
        !raw.contains("Auto-Submitted"),
        "a person's reply is not marked automatic"
    );
    // A reply of a photo alone: one picture message, no empty text.
    let png = b64(&[&b"\x89PNG\r\n\x1a\n"[..], &[1u8; 24]].concat());
    let photo = format!(
        "From: {BUYER}\r\nTo: support+{c}@tea.example\r\nSubject: Re: 茶罐破损\r\nMessage-ID: <photo-3@qq.example>\r\n\
         In-Reply-To: <{ours}>\r\nContent-Type: multipart/mixed; boundary=\"b2\"\r\n\r\n--b2\r\n\
         Content-Type: image/png\r\nContent-Disposition: attachment; filename=\"new.png\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{png}\r\n--b2--\r\n"
    );
    imap.deliver(photo.into_bytes()).await;
    let (_, mine) = admin.channel_buyer_messages("email", 4).await;
    assert_eq!(mine[3]["kind"], "image");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let all: Vec<Value> = admin
        .messages(&c)
        .await
        .into_iter()
        .filter(|m| m["sender_kind"] == "buyer")
        .collect();
    assert_eq!(
        all.len(),
        4,
        "no copy, no automatic answer, no bounce, no old mail: {all:?}"
    );
    app.stop().await;
}

/// CH-6: a mail's From is the member's address only when the mailbox's own server vouched
/// for it (its topmost `Authentication-Results`): a forged sender is a buyer of their own; the
/// first vouched-for mail links them with the member.
#[tokio::test]
async fn a_vouched_for_sender_is_the_member_with_that_address() {
    let (imap, imap_port) = fake_imap().await;
    let (_sent, smtp_port) = fake_smtp().await;
    let app = TestApp::spawn_with(|s| s.http.channel_test_doubles = true).await;
    let admin = app.agent("tea-admin").await;
    let secret = app.identity_secret("shanye-tea").await;
    let member = app
        .buyer_with(
            json!({"shop": "shanye-tea", "identity": crate::commerce::sign(&secret, json!({
            "sub": "tea-m-mail", "name": "李先生", "email": "Li@Mail.example",
            "exp": crate::commerce::in_an_hour()}))}),
        )
        .await;
    let servers = json!({"imap_host": "127.0.0.1", "imap_port": imap_port,
        "smtp_host": "127.0.0.1", "smtp_port": smtp_port, "security": "plain"});
    let connected = admin
        .post(
            "/api/v1/channels",
            json!({"kind": "email", "app_id": ADDRESS, "app_secret": PASSWORD, "email": servers}),
        )
        .await;
    assert_eq!(connected.status(), StatusCode::CREATED);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mail = |id: &str, results: &str| {
        format!(
            "{results}From: li@mail.example\r\nTo: {ADDRESS}\r\nSubject: 发票\r\nMessage-ID: <{id}@mail.example>\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n请开发票（{id}）\r\n"
        )
        .into_bytes()
    };
    // Forged below the server's own line: not vouched for.
    imap.deliver(mail(
        "m1",
        "Authentication-Results: mx.tea.example; dmarc=fail header.from=mail.example\r\n\
         Authentication-Results: forged; dmarc=pass header.from=mail.example\r\n",
    ))
    .await;
    let (_, first) = admin.channel_buyer_messages("email", 1).await;
    assert_eq!(first[0]["body"], "【发票】\n请开发票（m1）");
    let profile_path = format!("/api/v1/buyers/{}/profile", member.buyer_id);
    let profile_of_member = || admin.get_json(&profile_path);
    assert_eq!(
        profile_of_member().await["buyers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    imap.deliver(mail(
        "m2",
        "Authentication-Results: mx.tea.example; dkim=pass header.d=mail.example; dmarc=pass\r\n",
    ))
    .await;
    // Delivered as the watcher goes back to IDLE: read at once all the same.
    let (_, both) = admin.channel_buyer_messages("email", 2).await;
    assert_eq!(both.len(), 2);
    assert_eq!(
        admin.profile_channels(member.buyer_id, 2).await,
        ["web", "email"]
    );
}

/// The mailbox's password (a 授权码 renewed) and servers change on the channel: the watcher
/// logs in again with them at once; a wrong one shows on the health line; nothing is lost.
#[tokio::test]
async fn a_mailboxs_new_password_is_used_at_once() {
    let (imap, imap_port) = fake_imap().await;
    let (_sent, smtp_port) = fake_smtp().await;
    let app = TestApp::spawn_with(|s| s.http.channel_test_doubles = true).await;
    let admin = app.agent("tea-admin").await;
    let servers = json!({"imap_host": "127.0.0.1", "imap_port": imap_port,
        "smtp_host": "127.0.0.1", "smtp_port": smtp_port, "security": "plain"});
    let channel: Value = admin
        .post(
            "/api/v1/channels",
            json!({"kind": "email", "app_id": ADDRESS, "app_secret": PASSWORD, "email": servers}),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/channels/{}", channel["id"].as_str().unwrap());
    // The first session marks where the inbox stood when the channel was connected.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let wrong = admin.put(&path, json!({"app_secret": "an-old-code"})).await;
    assert_eq!(wrong.status(), StatusCode::OK);
    let mut health = Value::Null;
    for _ in 0..200 {
        health = admin.get_json("/api/v1/channels").await["channels"][0].clone();
        if health["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("login"))
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(
        health["last_error"]
            .as_str()
            .unwrap()
            .contains("login was refused"),
        "{health}"
    );
    assert_eq!(health["email"]["imap_port"], imap_port);
    let bad_host = admin
        .put(
            &path,
            json!({"email": {"imap_host": "no host!", "smtp_host": "127.0.0.1"}}),
        )
        .await;
    assert_eq!(bad_host.status(), StatusCode::BAD_REQUEST);
    // The right one again: mail sent meanwhile comes in.
    imap.deliver(
        format!("From: {BUYER}\r\nTo: {ADDRESS}\r\nSubject: 在吗\r\nMessage-ID: <late-1@qq.example>\r\n\r\n密码换了以后的信")
            .into_bytes(),
    )
    .await;
    let right = admin
        .put(&path, json!({"app_secret": PASSWORD, "email": servers}))
        .await;
    assert_eq!(right.status(), StatusCode::OK);
    let (_, mine) = admin.channel_buyer_messages("email", 1).await;
    assert_eq!(mine[0]["body"], "【在吗】\n密码换了以后的信");
    let audit = admin.get_json("/api/v1/audit?action=channel.change").await;
    assert!(!audit.to_string().contains(PASSWORD), "never the secret");
    assert!(audit.to_string().contains("secret_changed"), "{audit}");
}
