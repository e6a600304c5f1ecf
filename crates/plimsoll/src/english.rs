//! Messages are English sentences: the plural ending of a counted word.

/// `"s"` unless `count` is one: `format!("{n} replica{}", plural(n))`.
pub(crate) fn plural<T: PartialEq + From<u8>>(count: T) -> &'static str {
    if count == T::from(1) {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn only_one_is_singular() {
        assert_eq!(plural(1_usize), "");
        assert_eq!(plural(0_usize), "s");
        assert_eq!(plural(2_i64), "s");
        assert_eq!(plural(-1_i64), "s");
    }
}
