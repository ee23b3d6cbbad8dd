//! Resident ID numbers (居民身份证号, GB 11643): a HIS checks the check character before it files a patient.

/// Whether `number` is 18 characters, 17 digits and their check character.
pub fn is_valid(number: &str) -> bool {
    let bytes = number.as_bytes();
    bytes.len() == 18
        && bytes[..17].iter().all(u8::is_ascii_digit)
        && bytes[17].to_ascii_uppercase() == check_character(&number[..17])
}

/// `body` (17 digits) with its check character.
pub fn complete(body: &str) -> String {
    format!("{body}{}", char::from(check_character(body)))
}

/// GB 11643's check character over the first 17 digits.
fn check_character(body: &str) -> u8 {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.chars().zip(WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    b"10X98765432"[(sum % 11) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_the_check_character() {
        // GB 11643's own example.
        assert_eq!(complete("11010519491231002"), "11010519491231002X");
        assert!(is_valid("11010519491231002x"));
        assert!(!is_valid("110105194912310021"));
        assert!(!is_valid("1101051949123100"));
    }
}
