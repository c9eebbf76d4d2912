use proptest::prelude::*;

use super::address::EMAIL;
use super::*;

fn masked(text: &str, expected: &str) {
    assert_eq!(redact(text), expected, "redacting {text:?}");
}

#[test]
fn card_numbers_in_every_usual_shape() {
    masked("card 4111 1111 1111 1111 thanks", "card [card] thanks");
    masked("4111-1111-1111-1111", "[card]");
    masked("my visa is 4111111111111111.", "my visa is [card].");
    masked("amex 3782 822463 10005", "amex [card]");
    masked("5555555555554444", "[card]");
}

#[test]
fn digits_of_other_scripts_count() {
    // Full-width, Arabic-Indic, Eastern Arabic-Indic, Devanagari.
    masked(
        "カード４１１１ １１１１ １１１１ １１１１です",
        "カード[card]です",
    );
    masked("البطاقة ٤١١١ ١١١١ ١١١١ ١١١١", "البطاقة [card]");
    masked("کارت ۴۱۱۱۱۱۱۱۱۱۱۱۱۱۱۱", "کارت [card]");
    masked("कार्ड ४१११ ११११ ११११ ११११ है", "कार्ड [card] है");
    // Mixed scripts in one number are one number.
    masked("4111 ١١١١ ११११ １１１１", "[card]");
    masked("رقم ١٢٣٤٥٦٧٨٩", "رقم [number]");
}

#[test]
fn card_shaped_numbers_failing_luhn_are_still_masked() {
    masked("4111 1111 1111 1112", "[number]");
    masked("ref 12345678901234567890123", "ref [number]");
}

#[test]
fn ibans_iso_examples() {
    masked(
        "IBAN GB82 WEST 1234 5698 7654 32 please",
        "IBAN [iban] please",
    );
    masked("DE89 3704 0044 0532 0130 00", "[iban]");
    masked("konto NO93 8601 1117 947.", "konto [iban].");
    masked("GB82WEST12345698765432", "[iban]");
    masked("fr14 2004 1010 0505 0001 3m02 606", "[iban]");
    // Full-width.
    masked(
        "ＧＢ８２ ＷＥＳＴ １２３４ ５６９８ ７６５４ ３２",
        "[iban]",
    );
}

#[test]
fn iban_with_a_wrong_checksum_is_not_an_iban_but_its_digits_are_masked() {
    masked("GB83 WEST 1234 5698 7654 32", "GB83 WEST [number]");
    masked("NO94 8601 1117 947", "NO[number]");
}

#[test]
fn emails_in_several_scripts() {
    masked(
        "mail me at ola.nordmann+bot@example.no now",
        "mail me at [email] now",
    );
    masked("почта: иван@пример.рф", "почта: [email]");
    masked("メールは 山田@例え.日本 です", "メールは [email] です");
    masked("ईमेल राम@उदाहरण.भारत पर", "ईमेल [email] पर");
    masked("user١٢@mail.example.com", "[email]");
    masked("ｏｌａ＠ｅｘａｍｐｌｅ．ｎｏ", "[email]");
}

#[test]
fn phone_numbers_international_and_national() {
    masked("ring +47 22 33 44 55", "ring [phone]");
    masked("call +1 (555) 123-4567 today", "call [phone] today");
    masked("+4915112345678", "[phone]");
    masked("0047 22 33 44 55", "[phone]");
    masked("Tel. 030 1234567", "Tel. [phone]");
    masked("(555) 123-4567", "[phone]");
    masked("07700 900123", "[phone]");
    masked("ring 22 33 44 55", "ring [phone]");
    masked("هاتف +٩٦٦ ٥٠ ١٢٣ ٤٥٦٧", "هاتف [phone]");
}

#[test]
fn long_digit_runs() {
    masked("customer 12345678", "customer [number]");
    masked("kunde 987654321 takk", "kunde [number] takk");
}

#[test]
fn what_must_stay() {
    for text in [
        "cancel SUB-1",
        "refund SUB-12 please",
        "order 123456",
        "order 123456 and 654321",
        "on 2026-12-03",
        "on 2026-12-03 at 10:30",
        "den 03.12.2026 kl. 14:05",
        "12/03/2026",
        "at 10:30:45",
        "I paid 49.99 EUR",
        "version 1.2.3",
        "1234567",
        "",
        "+47",
        "hello, world",
        "NO93",
    ] {
        masked(text, text);
    }
}

#[test]
fn a_date_next_to_a_number_keeps_the_date() {
    masked("2026-12-03 12345678", "2026-12-03 [number]");
}

#[test]
fn several_kinds_in_one_message() {
    masked(
        "I'm kari@example.com, +47 912 34 567, card 4111 1111 1111 1111, IBAN NO9386011117947",
        "I'm [email], [phone], card [card], IBAN [iban]",
    );
}

#[test]
fn digit_values_of_every_script_are_found() {
    assert_eq!(digit_value('٣'), Some(3));
    assert_eq!(digit_value('۷'), Some(7));
    assert_eq!(digit_value('९'), Some(9));
    assert_eq!(digit_value('０'), Some(0));
    assert_eq!(digit_value('𝟗'), Some(9));
    assert_eq!(digit_value('x'), None);
    assert!(EMAIL.is_some(), "the e-mail pattern compiles");
}

/// Contiguous runs of decimal digits (any script) in `text`.
fn digit_runs(text: &str) -> Vec<Vec<u32>> {
    let mut runs = vec![Vec::new()];
    for c in text.chars() {
        match c.to_digit(10).or_else(|| digit_value(c)) {
            Some(d) => runs.last_mut().expect("one run").push(d),
            None => runs.push(Vec::new()),
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

fn luhn_digits(d: &[u32]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            if i % 2 == 1 {
                if x * 2 > 9 {
                    x * 2 - 9
                } else {
                    x * 2
                }
            } else {
                x
            }
        })
        .sum();
    sum % 10 == 0
}

fn texts() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[0-9]{1,20}",
        "[0-9 \\-]{1,30}",
        "[٠-٩۰-۹०-९０-９ ]{1,20}",
        "\\+[0-9 ()\\-]{1,20}",
        "[A-Z]{2}[0-9]{2}[A-Z0-9 ]{0,30}",
        "[a-zé一-龥.]{1,8}@[a-zж]{1,6}\\.[a-z]{2,3}",
        "[a-zA-Z .,:/\\-@+()\\[\\]]{0,10}",
        "\\PC{0,6}",
        Just("4111 1111 1111 1111".to_owned()),
        Just("GB82 WEST 1234 5698 7654 32".to_owned()),
        Just("2026-12-03".to_owned()),
    ];
    proptest::collection::vec(piece, 0..8).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_leaves_no_luhn_run_and_is_idempotent(text in texts()) {
        let once = redact(&text);
        for run in digit_runs(&once) {
            for len in 13..=19 {
                for w in run.windows(len) {
                    prop_assert!(!luhn_digits(w), "Luhn-valid run left in {once:?} (from {text:?})");
                }
            }
        }
        prop_assert_eq!(redact(&once), once.clone(), "not idempotent on {:?}", text);
    }

    #[test]
    fn arbitrary_unicode_never_panics(text in "\\PC{0,200}") {
        let _ = redact(&text);
    }
}
