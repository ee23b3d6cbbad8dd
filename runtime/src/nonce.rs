//! Fresh nonces: random text a sender writes into a message (a GCM nonce, a request's `nonce_str`).

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

#[cfg(test)]
mod tests {
    #[test]
    fn nonces_have_the_length_asked_and_differ() {
        let (a, b) = (super::alphanumeric(32), super::alphanumeric(32));
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()), "{a}");
        assert_ne!(a, b);
    }
}
