//! Counted nouns in messages: "1 directory", "2 directories", never "directorie(s)".

/// `n` and the noun in the form that goes with it.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::counted;

    #[test]
    fn one_is_singular_everything_else_plural() {
        let dirs = |n| counted(n, "directory", "directories");
        assert_eq!(
            [dirs(0), dirs(1), dirs(2)],
            ["0 directories", "1 directory", "2 directories"]
        );
    }
}
