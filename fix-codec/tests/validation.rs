//! Every SessionRejectReason the codec decides, triggered by a crafted
//! message, with the RefTagID QuickFIX would send.

use chrono::{Duration, TimeZone, Utc};
use fix_codec::{
    fix42,
    validate::{check_comp_ids, check_sending_time},
    Message, SessionReject, SessionRejectReason as R, ValidationOptions,
};

fn fix(s: &str) -> Vec<u8> {
    s.replace('|', "\x01").into_bytes()
}

const HDR: &str = "8=FIX.4.2|9=0|";

fn check_with(body: &str, opts: ValidationOptions) -> Result<(), SessionReject> {
    let bytes = fix(&format!("{HDR}{body}10=000|"));
    let msg = Message::decode(&bytes).expect("decodes");
    fix42().validate(&msg, &opts)
}

fn check(body: &str) -> Result<(), SessionReject> {
    check_with(body, ValidationOptions::default())
}

fn rejects(body: &str, reason: R, tag: Option<i32>) {
    assert_eq!(check(body), Err(SessionReject::new(reason, tag)), "{body}");
}

const HB: &str = "35=0|34=2|49=TW|52=20261126-03:12:47|56=ISLD|";
const NOS: &str = "35=D|34=2|49=TW|52=20261126-03:12:47|56=ISLD|11=ID|21=3|38=100|40=1|54=1|55=INTC|60=20261126-03:12:47|";

#[test]
fn valid_messages_pass() {
    assert_eq!(check(HB), Ok(()));
    assert_eq!(check(NOS), Ok(()));
    // Field order inside header and body is free (15_HeaderAndBodyFieldsOrderedDifferently).
    assert_eq!(
        check("35=0|56=ISLD|52=20261126-03:12:47|49=TW|34=2|"),
        Ok(())
    );
}

#[test]
fn reason_0_invalid_tag_number() {
    for tag in ["999", "0", "-1", "5000"] {
        rejects(
            &format!("{HB}{tag}=HI|"),
            R::InvalidTagNumber,
            Some(tag.parse().unwrap()),
        );
    }
}

#[test]
fn reason_1_required_tag_missing() {
    rejects(
        "35=0|34=2|49=TW|52=20261126-03:12:47|",
        R::RequiredTagMissing,
        Some(56),
    );
    rejects(
        &NOS.replace("55=INTC|", ""),
        R::RequiredTagMissing,
        Some(55),
    );
}

#[test]
fn reason_2_tag_not_defined_for_message_type() {
    rejects(
        &format!("{HB}55=INTC|"),
        R::TagNotDefinedForMessageType,
        Some(55),
    );
}

#[test]
fn reason_4_tag_without_value() {
    rejects(
        "35=0|34=2|49=TW|52=20261126-03:12:47|56=|",
        R::TagSpecifiedWithoutValue,
        Some(56),
    );
    // The empty header field is found before the bad body enum.
    rejects(
        &NOS.replace("56=ISLD|", "56=ISLD|128=JCD|145=|")
            .replace("40=1", "40=w"),
        R::TagSpecifiedWithoutValue,
        Some(145),
    );
}

#[test]
fn reason_5_value_out_of_range() {
    rejects(&NOS.replace("21=3", "21=4"), R::ValueIsIncorrect, Some(21));
    rejects(&format!("{NOS}167=BOO|"), R::ValueIsIncorrect, Some(167));
    assert_eq!(check(&format!("{NOS}167=FUT|")), Ok(()));
}

#[test]
fn reason_6_incorrect_data_format() {
    rejects(
        &NOS.replace("38=100", "38=+200.00"),
        R::IncorrectDataFormat,
        Some(38),
    );
    rejects(
        &format!("{NOS}126=20261126|"),
        R::IncorrectDataFormat,
        Some(126),
    );
    rejects(
        &NOS.replace("54=1", "54=12"),
        R::IncorrectDataFormat,
        Some(54),
    );
}

#[test]
fn reason_9_comp_id_problem() {
    let b = fix(&format!("{HDR}{HB}10=000|"));
    let m = Message::decode(&b).unwrap();
    assert_eq!(check_comp_ids(&m, "ISLD", "TW"), Ok(()));
    assert_eq!(
        check_comp_ids(&m, "ISLD", "TW42"),
        Err(SessionReject::new(R::CompIdProblem, None))
    );
}

#[test]
fn reason_10_sending_time_accuracy() {
    let b = fix(&format!("{HDR}{HB}10=000|"));
    let m = Message::decode(&b).unwrap();
    let sent = Utc.with_ymd_and_hms(2026, 11, 26, 3, 12, 47).unwrap();
    let max = Duration::seconds(120);
    assert_eq!(
        check_sending_time(&m, sent + Duration::seconds(120), max),
        Ok(())
    );
    for off in [121, -121] {
        assert_eq!(
            check_sending_time(&m, sent + Duration::seconds(off), max),
            Err(SessionReject::new(R::SendingTimeAccuracyProblem, None))
        );
    }
}

#[test]
fn reason_11_invalid_msg_type() {
    rejects(&HB.replace("35=0", "35=*"), R::InvalidMsgType, None);
}

#[test]
fn repeated_tag_out_of_order_and_group_count() {
    rejects(&format!("{NOS}40=2|"), R::TagAppearsMoreThanOnce, Some(40));
    rejects(
        "35=0|49=TW|52=20261126-03:12:47|56=ISLD|112=X|34=2|",
        R::TagSpecifiedOutOfRequiredOrder,
        Some(34),
    );
    let list = "35=D|34=2|49=TW|52=20261126-03:12:47|56=ISLD|11=ID|21=3|38=100|40=1|54=1|55=INTC|60=20261126-03:12:47|386=3|336=A|336=B|";
    rejects(list, R::IncorrectNumInGroupCount, Some(386));
    assert_eq!(check(&list.replace("386=3", "386=2")), Ok(()));
    // Zero-count groups are plain fields (21_RepeatingGroupSpecifierWithValueOfZero).
    assert_eq!(
        check("35=d|34=2|49=TW|52=20261126-03:12:47|56=ISLD|320=1|322=2|323=1|146=0|393=0|"),
        Ok(())
    );
}

#[test]
fn only_fix42_reasons_carry_a_373() {
    assert!(R::InvalidMsgType.in_fix42() && R::InvalidTagNumber.in_fix42());
    assert!(!R::TagAppearsMoreThanOnce.in_fix42() && !R::IncorrectNumInGroupCount.in_fix42());
    assert_eq!(R::UndefinedTag.code(), 3);
}

#[test]
fn each_check_can_be_switched_off() {
    let off = ValidationOptions {
        check_fields_out_of_order: false,
        check_fields_have_values: false,
        check_user_defined_fields: false,
        allow_unknown_msg_fields: true,
    };
    assert_eq!(
        check_with("35=0|49=TW|52=20261126-03:12:47|56=ISLD|112=X|34=2|", off),
        Ok(())
    );
    assert_eq!(check_with(&format!("{HB}58=|"), off), Ok(()));
    assert_eq!(check_with(&format!("{HB}5000=X|"), off), Ok(()));
    assert_eq!(check_with(&format!("{HB}999=X|"), off), Ok(()));
}

#[test]
fn groups_are_read_with_the_dictionary() {
    let b = fix(&format!("{HDR}35=d|34=2|49=TW|52=20261126-03:12:47|56=ISLD|320=1|322=2|323=1|146=2|311=A|309=X|311=B|55=Z|10=000|"));
    let m = Message::decode(&b).unwrap();
    let entries = m.group(fix42(), 146).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(m.value(&entries[1][0]), b"B");
    assert_eq!(entries[0].len(), 2);
}
