//! Every error code kefu sends, declared once: its stable snake_case string (what clients
//! translate, `web/src/locales/*.ts` under `errors`) and the HTTP status it is answered with.
//! Codes inside WebSocket `error` frames and import reports carry a status too: the one they
//! would have as a response of their own.
//!
//! `docs/http-api.md` lists every code with its status, and both UI locales translate every
//! code; `cargo xtask test` checks both against `ErrorCode::ALL`.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Declares `ErrorCode` from groups of `status { Variant = "code", … }`: the enum (serialised
/// as its string), `ALL`, `as_str` and `status`.
macro_rules! error_codes {
    ($($status:literal { $($(#[$doc:meta])* $variant:ident = $code:tt,)* })*) => {
        /// A stable error code: `{code, message}` bodies, `error` frames and import reports
        /// carry it, serialised as its snake_case string.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
            ToSchema,
        )]
        pub enum ErrorCode {
            $($($(#[$doc])* #[serde(rename = $code)] $variant,)*)*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$($(ErrorCode::$variant,)*)*];

            /// The code as clients see it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($(ErrorCode::$variant => $code,)*)*
                }
            }

            /// The HTTP status of a response with this code.
            pub const fn status(self) -> u16 {
                match self {
                    $($(ErrorCode::$variant => $status,)*)*
                }
            }
        }
    };
}

error_codes! {
    400 {
        // Channels (issue #21).
        /// A channel's settings kefu cannot use (a missing token, a key that is not 43
        /// characters of base64, an unknown mode).
        InvalidChannel = "invalid_channel",
        /// A kind of channel this kefu does not connect yet.
        ChannelKindUnsupported = "channel_kind_unsupported",
        // The request's shape.
        /// The body is not JSON of the expected shape (or not UTF-8).
        InvalidJson = "invalid_json",
        InvalidQuery = "invalid_query",
        InvalidPath = "invalid_path",
        InvalidStatus = "invalid_status",
        InvalidName = "invalid_name",
        ConversationRequired = "conversation_required",
        // Messages.
        MessageEmpty = "message_empty",
        MessageTooLong = "message_too_long",
        BadClientMsgId = "bad_client_msg_id",
        AttachmentRequired = "attachment_required",
        BadCard = "bad_card",
        BadButtons = "bad_buttons",
        ButtonsNotForBuyers = "buttons_not_for_buyers",
        /// A rating invitation is kefu's own message (KPI-3): nobody sends one.
        RatingNotSendable = "rating_not_sendable",
        /// Stars outside 1–5, a reason not offered for those stars, a comment over 500.
        InvalidRating = "invalid_rating",
        // WebSocket frames (`error` frames only).
        UnknownFrameType = "unknown_frame_type",
        MalformedFrame = "malformed_frame",
        FrameTooLarge = "frame_too_large",
        BinaryNotSupported = "binary_not_supported",
        /// A WebSocket route called without a WebSocket upgrade.
        WebsocketExpected = "websocket_expected",
        // Buyers arriving.
        InvalidIdentity = "invalid_identity",
        InvalidEntry = "invalid_entry",
        // Accounts, teams, permission groups.
        InvalidUsername = "invalid_username",
        InvalidSlug = "invalid_slug",
        WeakPassword = "weak_password",
        InvalidPhone = "invalid_phone",
        UnknownTeam = "unknown_team",
        InvalidTeam = "invalid_team",
        InvalidTarget = "invalid_target",
        InvalidDescription = "invalid_description",
        UnknownPermission = "unknown_permission",
        InvalidAccounts = "invalid_accounts",
        ExpiryInThePast = "expiry_in_the_past",
        CannotChangeOwnRole = "cannot_change_own_role",
        CannotDisableSelf = "cannot_disable_self",
        CannotChangeOwnProbation = "cannot_change_own_probation",
        // Phone verification (ACC-2).
        NoPhone = "no_phone",
        PhoneAlreadyVerified = "phone_already_verified",
        WrongCode = "wrong_code",
        CodeExpired = "code_expired",
        TooManyAttempts = "too_many_attempts",
        // Shop settings.
        BadThreshold = "bad_threshold",
        BadProbationDays = "bad_probation_days",
        BadMaxAccounts = "bad_max_accounts",
        InvalidOfficeHours = "invalid_office_hours",
        /// An identity secret's rotation with a grace period outside 0–168 hours.
        InvalidGrace = "invalid_grace",
        // Approval requests (ACC-5).
        InvalidReason = "invalid_reason",
        InvalidLogistics = "invalid_logistics",
        InvalidCompensationForm = "invalid_compensation_form",
        // Tags, routing, transfers, breaks.
        UnknownTag = "unknown_tag",
        InvalidTag = "invalid_tag",
        TooManyTags = "too_many_tags",
        TagRequired = "tag_required",
        BadRuleName = "bad_rule_name",
        BadRuleTeam = "bad_rule_team",
        BadRuleCondition = "bad_rule_condition",
        TooManyRules = "too_many_rules",
        InvalidTransfer = "invalid_transfer",
        InvalidCap = "invalid_cap",
        InvalidStrategy = "invalid_strategy",
        InvalidBreak = "invalid_break",
        // Notes, searches, handoffs.
        QueryTooLong = "query_too_long",
        NoteEmpty = "note_empty",
        NoteTooLong = "note_too_long",
        ResolutionTooLong = "resolution_too_long",
        NoPartner = "no_partner",
        // The robot: entries, lexicons, flows, proposals.
        InvalidKbEntry = "invalid_kb_entry",
        InvalidKbId = "invalid_kb_id",
        InvalidQuestion = "invalid_question",
        InvalidAnswer = "invalid_answer",
        InvalidAnswerImage = "invalid_answer_image",
        AnswerImageNotFound = "answer_image_not_found",
        AnswerProductNotFound = "answer_product_not_found",
        InvalidAnswerButtons = "invalid_answer_buttons",
        ProductEntryUnbound = "product_entry_unbound",
        InvalidValidity = "invalid_validity",
        /// `kefu robot` reading a knowledge base file: an id seen before in the file.
        DuplicateKbId = "duplicate_kb_id",
        BadTier = "bad_tier",
        InvalidLexicon = "invalid_lexicon",
        LexiconTooLarge = "lexicon_too_large",
        BadFlow = "bad_flow",
        BadStatus = "bad_status",
        // Products and orders, pushed or imported.
        CodeMismatch = "code_mismatch",
        MissingField = "missing_field",
        BadCode = "bad_code",
        BadText = "bad_text",
        BadAmount = "bad_amount",
        BadNumber = "bad_number",
        BadQuantity = "bad_quantity",
        BadStock = "bad_stock",
        BadTime = "bad_time",
        BadItems = "bad_items",
        BadSkus = "bad_skus",
        DuplicateSku = "duplicate_sku",
        BadBuyer = "bad_buyer",
        BadUrl = "bad_url",
        BadAttributes = "bad_attributes",
        BadPartner = "bad_partner",
        ConflictingRows = "conflicting_rows",
        // Import files: `not_utf8` and `bad_workbook` answer the request; the rest are rows
        // of its report.
        NotUtf8 = "not_utf8",
        BadWorkbook = "bad_workbook",
        MissingColumn = "missing_column",
        MalformedHeader = "malformed_header",
        MalformedRow = "malformed_row",
        RecordRejected = "record_rejected",
        DuplicateInFile = "duplicate_in_file",
        /// A chat log's sender is neither buyer, agent nor robot/system.
        BadSender = "bad_sender",
        /// A quick phrase kefu does not keep: empty or too long, a bad shortcut or category,
        /// a team's phrase without its team (WB-3).
        InvalidPhrase = "invalid_phrase",
        /// Automatic replies kefu could not send: an empty or overlong text, more than six
        /// welcome buttons, a keyword rule without keywords or with a bad pattern (WB-2).
        InvalidAutoReply = "invalid_auto_reply",
        /// A block's note over 200 characters, or days outside 1–365 (WB-6).
        InvalidBlock = "invalid_block",
        /// An intake filter with a keyword over 50 characters, over 500 keywords or 100
        /// domains, or a rate over 600 a minute (WB-6).
        InvalidIntakeFilter = "invalid_intake_filter",
        /// Scorecard rules whose weights do not add up to 100, or a line whose excellence is
        /// not better than its pass (KPI-1, KPI-2).
        InvalidKpiRules = "invalid_kpi_rules",
        /// A report range that does not parse, ends before it starts or spans over 366 days.
        InvalidRange = "invalid_range",
        /// A QA rubric with no items, an item without a name or with points outside 1–100,
        /// or over 200 forbidden words (KPI-3).
        InvalidQaRubric = "invalid_qa_rubric",
        /// A QA score naming an item the rubric lacks or over its points, a comment on a
        /// message the conversation lacks, an empty or overlong appeal or decision (KPI-3).
        InvalidQaReview = "invalid_qa_review",
        /// Alert rules with a minimum count outside 1–10,000, a queue limit outside 1–100,000 or
        /// a first-response line outside 0–86,400 s (DATA-3).
        InvalidAlertRules = "invalid_alert_rules",
        /// A problem's note over 1,000 characters, an owner not in the shop, or a fix dated
        /// in the future (DATA-5).
        InvalidProblem = "invalid_problem",
        /// Escalation rules with a word list over 200 words or a blank or overlong word, an
        /// amount line that is not positive, or a repeat count outside 2–10 (ESC-1).
        InvalidEscalationRules = "invalid_escalation_rules",
        /// An escalation of nothing (neither a conversation nor a work order) or of both, a
        /// blank or overlong reason or outcome, or a level an agent may not reach (ESC-1).
        InvalidEscalation = "invalid_escalation",
        /// Notification settings with a webhook URL that is not http(s), a secret under 16
        /// characters, more than 10 webhooks or phones, or a phone that is no mobile number.
        InvalidNotifySettings = "invalid_notify_settings",
        /// Playbooks over 30, a key not of a-z, 0-9 and `_` or used twice, a blank or overlong
        /// name or step title, no steps or over 12, a work-order step without its kind, a
        /// deadline outside 1 minute – 30 days, over 50 words or tags (ESC-2).
        InvalidPlaybooks = "invalid_playbooks",
        /// A step the playbook run does not have.
        InvalidPlaybookStep = "invalid_playbook_step",
        /// An arbitration request, evidence, ruling or note that is blank or over 1,000
        /// characters, a refund or compensation without a positive amount (a refund over the
        /// order's total), evidence asked of
        /// the platform itself, or over 50 pieces of evidence (ESC-1).
        InvalidArbitration = "invalid_arbitration",
        /// A transcript to verify that is not UTF-8 text.
        InvalidTranscript = "invalid_transcript",
        /// An appeal of a kind its filer may not file, a blank or overlong (2,000+)
        /// description, reason or new facts, over 9 files, a file not the filer's (SELF-3).
        InvalidAppeal = "invalid_appeal",
        /// A work order with a blank or overlong title, too many items or fields, a custom
        /// field the shop's settings do not define or a required one missing (ESC-3).
        InvalidWorkOrder = "invalid_work_order",
        /// Work-order settings with a target outside 1–720 hours or a custom field badly
        /// defined (ESC-3).
        InvalidWorkOrderSettings = "invalid_work_order_settings",
        /// A saved view of the work-order list without a name or with unknown filters.
        InvalidWorkOrderView = "invalid_work_order_view",
        // Uploads.
        InvalidMultipart = "invalid_multipart",
        FileRequired = "file_required",
        FileEmpty = "file_empty",
    }
    401 {
        Unauthenticated = "unauthenticated",
        InvalidCredentials = "invalid_credentials",
    }
    403 {
        Forbidden = "forbidden",
        CsrfFailed = "csrf_failed",
        /// An entry link names an order of another buyer.
        OrderNotYours = "order_not_yours",
        /// The first-run setup was asked with a token other than the one printed at start.
        InvalidSetupToken = "invalid_setup_token",
    }
    404 {
        /// Nothing there, and nothing more specific to say (an unknown API route).
        NotFound = "not_found",
        ConversationNotFound = "conversation_not_found",
        ChannelNotFound = "channel_not_found",
        BuyerNotFound = "buyer_not_found",
        ShopNotFound = "shop_not_found",
        AttachmentNotFound = "attachment_not_found",
        AssigneeNotFound = "assignee_not_found",
        OrderNotFound = "order_not_found",
        ProductNotFound = "product_not_found",
        HandoffNotFound = "handoff_not_found",
        UserNotFound = "user_not_found",
        GroupNotFound = "group_not_found",
        GrantNotFound = "grant_not_found",
        ApprovalNotFound = "approval_not_found",
        FlowNotFound = "flow_not_found",
        ProposalNotFound = "proposal_not_found",
        KbEntryNotFound = "kb_entry_not_found",
        PhraseNotFound = "phrase_not_found",
        RatingNotFound = "rating_not_found",
        BlockNotFound = "block_not_found",
        QaReviewNotFound = "qa_review_not_found",
        AlertNotFound = "alert_not_found",
        ReportNotFound = "report_not_found",
        TopicNotFound = "topic_not_found",
        ProblemNotFound = "problem_not_found",
        WorkOrderNotFound = "work_order_not_found",
        EscalationNotFound = "escalation_not_found",
        PlaybookNotFound = "playbook_not_found",
        ArbitrationNotFound = "arbitration_not_found",
        AppealNotFound = "appeal_not_found",
        WorkOrderViewNotFound = "work_order_view_not_found",
    }
    405 {
        /// The route exists, but not with this method (the `Allow` header lists its methods).
        MethodNotAllowed = "method_not_allowed",
    }
    408 {
        RequestTimeout = "request_timeout",
    }
    409 {
        /// This platform account is already connected (in this shop or another).
        ChannelExists = "channel_exists",
        /// The buyer's platform does not allow a message now (WeChat: 48 hours after the
        /// buyer's last message, five messages).
        ChannelWindowClosed = "channel_window_closed",
        /// The buyer's channel is paused: nothing leaves on it.
        ChannelPaused = "channel_paused",
        /// The buyer's channel takes no written message (the phone line): call them back.
        ChannelNoText = "channel_no_text",
        /// The buyer cannot be moved to WeCom: no WeCom 微信客服 account with a contact link
        /// is connected and running (or several, and none was named), or they are on it.
        ChannelMoveUnavailable = "channel_move_unavailable",
        HandoffExists = "handoff_exists",
        HandoffClosed = "handoff_closed",
        /// A work order cannot move so from where it is (closing one in progress, resuming one
        /// that does not wait, …; ESC-3).
        WorkOrderTransition = "work_order_transition",
        /// Someone else changed the work order since the caller read it: read it again.
        WorkOrderChanged = "work_order_changed",
        /// Two work orders drew the same number in one day (one in a million): open it again.
        WorkOrderExists = "work_order_exists",
        /// Someone took up or handled the escalation since the caller read it.
        EscalationChanged = "escalation_changed",
        /// The conversation has this playbook running already, or someone ticked its steps
        /// since the caller read it.
        PlaybookRunExists = "playbook_run_exists",
        /// The buyer already asked the platform to step in on this conversation.
        ArbitrationExists = "arbitration_exists",
        /// The case is ruled or closed: no more evidence or rulings; or not ruled yet, so
        /// there is nothing to carry out; or someone changed it since the caller read it.
        ArbitrationClosed = "arbitration_closed",
        /// No platform desk to ask (a single-shop deployment), or the shop has not answered
        /// the buyer yet.
        ArbitrationUnavailable = "arbitration_unavailable",
        /// The appeal is taken, decided, or was reopened already; or changed since the
        /// caller read it.
        AppealClosed = "appeal_closed",
        QueuedForRouting = "queued_for_routing",
        AtCapacity = "at_capacity",
        ColleagueUnavailable = "colleague_unavailable",
        AlreadyTaken = "already_taken",
        ProposalDecided = "proposal_decided",
        KbEntryExists = "kb_entry_exists",
        AccountLimitReached = "account_limit_reached",
        /// The shop keeps the most quick phrases it may (20,000).
        PhraseLimitReached = "phrase_limit_reached",
        /// The buyer already rated, or (inviting again) was invited twice already.
        RatingClosed = "rating_closed",
        /// The invitation's day is over.
        RatingExpired = "rating_expired",
        /// The review is not in a state for this: scoring one already appealed or decided,
        /// appealing twice or one not yet scored, deciding one not appealed (KPI-3).
        QaReviewClosed = "qa_review_closed",
        AlreadyDecided = "already_decided",
        OwnRequest = "own_request",
        AuditBusy = "audit_busy",
        UsernameTaken = "username_taken",
        TenantSlugTaken = "tenant_slug_taken",
        /// The server has its shop already; the first-run setup is closed.
        SetupDone = "setup_done",
        GroupNameTaken = "group_name_taken",
        TagExists = "tag_exists",
        MessageConflict = "message_conflict",
        /// The knowledge base kept changing while questions were imported into it.
        KbBusy = "kb_busy",
    }
    413 {
        BodyTooLarge = "body_too_large",
        FileTooLarge = "file_too_large",
    }
    415 {
        UnsupportedFileType = "unsupported_file_type",
    }
    416 {
        /// A download's `Range` lies past the file's end.
        RangeNotSatisfiable = "range_not_satisfiable",
    }
    429 {
        RateLimited = "rate_limited",
    }
    500 {
        /// A bug or an outage; the detail is in the server log only.
        Internal = "internal",
    }
    502 {
        /// The platform did not give the tokens an account granted (a code used or expired,
        /// the scope not granted, the platform unreachable).
        ChannelGrantFailed = "channel_grant_failed",
    }
    503 {
        /// Shutting down, or the database is unreachable.
        Unavailable = "unavailable",
    }
}

impl ErrorCode {
    /// The code spelled `s`, if there is one.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn strings_are_unique_snake_case() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    && !s.starts_with('_')
                    && !s.ends_with('_'),
                "{s} is not snake_case"
            );
        }
        assert!(ErrorCode::ALL.len() > 140, "{}", ErrorCode::ALL.len());
    }

    #[test]
    fn statuses_are_as_documented() {
        use ErrorCode::*;
        for (code, status) in [
            (InvalidJson, 400),
            (BadAmount, 400),
            (MalformedFrame, 400),
            (Unauthenticated, 401),
            (InvalidCredentials, 401),
            (Forbidden, 403),
            (CsrfFailed, 403),
            (OrderNotYours, 403),
            (NotFound, 404),
            (ConversationNotFound, 404),
            (KbEntryNotFound, 404),
            (AlreadyTaken, 409),
            (TagExists, 409),
            (MessageConflict, 409),
            (MethodNotAllowed, 405),
            (RequestTimeout, 408),
            (BodyTooLarge, 413),
            (FileTooLarge, 413),
            (UnsupportedFileType, 415),
            (RangeNotSatisfiable, 416),
            (RateLimited, 429),
            (Internal, 500),
            (ChannelGrantFailed, 502),
            (Unavailable, 503),
        ] {
            assert_eq!(code.status(), status, "{code}");
        }
        for code in ErrorCode::ALL {
            assert!(
                [
                    400, 401, 403, 404, 405, 408, 409, 413, 415, 416, 429, 500, 502, 503
                ]
                .contains(&code.status()),
                "{code}"
            );
            // A `…_not_found` is a 404, except an entry's missing picture or product, which
            // is a field of the request that is wrong.
            if code.as_str().ends_with("_not_found") && !code.as_str().starts_with("answer_") {
                assert_eq!(code.status(), 404, "{code}");
            }
        }
    }

    #[test]
    fn serialises_as_its_string_and_back() {
        for &code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).expect("serialises");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(code.to_string(), code.as_str());
            let back: ErrorCode = serde_json::from_str(&json).expect("deserialises");
            assert_eq!(back, code);
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("no_such_code"), None);
        assert!(serde_json::from_str::<ErrorCode>("\"no_such_code\"").is_err());
    }

    #[test]
    fn the_openapi_schema_is_the_list_of_strings() {
        let schema = serde_json::to_value(<ErrorCode as utoipa::PartialSchema>::schema())
            .expect("serialises");
        let listed: Vec<&str> = schema["enum"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let all: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(listed, all, "{schema}");
    }
}
