//! The API-key fingerprint `topt sync` writes into `context.json` (`topt.api_key_fingerprint`), so the
//! uploader can warn when it runs with a different key. Not cryptographic: FNV-1a over the indices
//! of the key's characters in a fixed 94-character alphabet (a character outside it counts as
//! `94 + position mod 7`), on the trimmed key; 8 lowercase hex digits. As the reference computes
//! it, so a context written by either is checked the same way.

const ALPHABET: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_:/.+@=#%~!$^*()[]{}<>?,;|\\\"'` ";

pub fn api_key_fingerprint(key: &str) -> String {
    let mut h: u32 = 2_166_136_261;
    for (i, c) in key.trim().chars().enumerate() {
        let idx = ALPHABET
            .chars()
            .position(|a| a == c)
            .map_or(94 + (i % 7) as u32, |p| p as u32);
        h = (h ^ idx).wrapping_mul(16_777_619);
    }
    format!("{h:08x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        assert_eq!(ALPHABET.chars().count(), 94);
        assert_eq!(api_key_fingerprint("abc"), "c1a2b2aa");
        assert_eq!(
            api_key_fingerprint("0123456789abcdef0123456789abcdef"),
            "b2f8fa65"
        );
    }
}
