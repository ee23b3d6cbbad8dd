//! Sample people for the seeds: Chinese names, resident ID numbers that carry their GB 11643 check character, and
//! mobile numbers, all derived from an index so that every instance seeds the same people.

const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗",
    "高", "郑", "梁", "谢", "宋",
];
const GIVEN: [&str; 30] = [
    "建国", "秀英", "志强", "桂兰", "海燕", "文博", "雨桐", "子涵", "国华", "丽娟", "晓东", "婉清", "俊杰", "春梅",
    "立新", "静怡", "浩然", "淑珍", "明轩", "玉兰", "德胜", "思远", "佳琪", "永刚", "慧敏", "振华", "欣怡", "宏伟",
    "雪梅", "天佑",
];

/// The name of person `i`.
pub fn name(i: i64) -> String {
    let i = i.unsigned_abs() as usize;
    format!("{}{}", SURNAMES[i % SURNAMES.len()], GIVEN[(i / SURNAMES.len() + i) % GIVEN.len()])
}

/// The 18-character resident ID number of person `i`, registered in `region` (six digits, `330106`).
pub fn id_number(region: &str, i: i64) -> String {
    let i = i.unsigned_abs();
    complete(&format!("{region}{:04}{:02}{:02}{:03}", 1950 + i % 55, 1 + i % 12, 1 + i % 28, i % 1000))
}

/// `body` (17 digits) with its GB 11643 check character.
pub fn complete(body: &str) -> String {
    format!("{body}{}", check_character(body))
}

/// Whether `number` is 18 characters, 17 digits and their check character: what a HIS checks before it files a
/// patient.
pub fn is_valid(number: &str) -> bool {
    let bytes = number.as_bytes();
    bytes.len() == 18
        && bytes[..17].iter().all(u8::is_ascii_digit)
        && char::from(bytes[17].to_ascii_uppercase()) == check_character(&number[..17])
}

/// GB 11643's sex digit, the 17th: odd for men. `1` 男 or `2` 女, as both documents code sex.
pub fn sex(id_number: &str) -> &'static str {
    match id_number.as_bytes().get(16).map(|d| d % 2) {
        Some(1) => "1",
        _ => "2",
    }
}

/// A mobile number for person `i`.
pub fn phone(i: i64) -> String {
    format!("13{}{:08}", 5 + i.unsigned_abs() % 5, 10_000_000 + i.unsigned_abs() * 7919 % 90_000_000)
}

/// GB 11643's check character over the first 17 digits.
fn check_character(body: &str) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.chars().zip(WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_check_character_and_sex() {
        // GB 11643's own example.
        assert_eq!(check_character("11010519491231002"), 'X');
        assert!(is_valid("11010519491231002X") && is_valid("11010519491231002x"));
        assert!(!is_valid("110105194912310021") && !is_valid("1101051949123100") && !is_valid("1101051949123100AX"));
        let id = id_number("330106", 7);
        assert_eq!((id.len(), &id[..6]), (18, "330106"));
        assert_eq!(sex(&id), "1");
        assert_eq!(sex(&id_number("330106", 8)), "2");
        assert_eq!(phone(1).len(), 11);
        assert_ne!(name(1), name(2));
    }
}
