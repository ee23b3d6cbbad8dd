//! Fresh nonces: random text a sender writes into a message (a GCM nonce, a request's `nonce_str`, a
//! notification's `id`).

/// `len` characters from `[0-9A-Za-z]`, uniformly, from the operating system's generator.
pub fn alphanumeric(len: usize) -> String {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(len);
    let mut bytes = [0u8; 64];
    while out.len() < len {
        // Without the system's generator there is no safe nonce; carrying on with a weak one would be worse.
        getrandom::fill(&mut bytes).expect("the operating system's random number generator");
        // 248 = 4 × 62: bytes from 248 up are dropped, so every character is equally likely.
        for &b in bytes.iter().filter(|&&b| b < 248) {
            if out.len() == len {
                break;
            }
            out.push(ALPHABET[(b % 62) as usize] as char);
        }
    }
    out
}

/// A random RFC 4122 version 4 UUID, lowercase (`1b4e28ba-2fa1-41d2-883f-0016d3cca427`), from the operating
/// system's generator: 122 random bits, the version and variant bits set.
pub fn uuid_v4() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random number generator");
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuids_are_version_4_and_differ() {
        let (a, b) = (super::uuid_v4(), super::uuid_v4());
        assert_ne!(a, b);
        let groups: Vec<&str> = a.split('-').collect();
        assert_eq!(groups.iter().map(|g| g.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12], "{a}");
        assert!(a.chars().all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c)), "{a}");
        assert!(groups[2].starts_with('4'), "version 4: {a}");
        assert!(groups[3].starts_with(['8', '9', 'a', 'b']), "RFC 4122 variant: {a}");
    }

    #[test]
    fn nonces_have_the_length_asked_and_differ() {
        let (a, b) = (super::alphanumeric(32), super::alphanumeric(32));
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()), "{a}");
        assert_ne!(a, b);
    }
}
