//! Normalisation for matching, in any script: offsets map back into the
//! input, and normalising the result again changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supportbot::intent::normalize::normalize;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let once = normalize(text);
    let n = once.as_str().len();
    let end = once.original_offset(n);
    assert!(end <= text.len() && text.is_char_boundary(end));
    for i in 0..=n {
        let o = once.original_offset(i);
        assert!(o <= text.len(), "offset {i} maps past the input");
    }
    let unescaped = once.unescaped();
    assert_eq!(normalize(&unescaped).unescaped(), unescaped, "normalising twice changes nothing");
});
