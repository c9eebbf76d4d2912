use super::*;

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("article-import-unit-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        Scratch(dir)
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.0.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.0.join(rel)).unwrap_or_default()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn article(locale: &str, handoff: &str, body: &str) -> String {
    format!("---\ntitle: T {locale}\nms.contentlocale: {locale}\nms.translationtype: MT\nms.lasthandoff: {handoff}\nms.custom:\n- \"42\"\n---\n{body}")
}

fn sxs(locale: &str, handoff: &str, loc: &str, en: &str) -> String {
    let pair = format!(
        "<span data-ttu-id=\"abcde-102\">{loc}</span><span class=\"sxs-lookup\"><span data-stu-id=\"abcde-102\">{en}</span></span>"
    );
    article(
        locale,
        handoff,
        &format!("# <a name=\"a\"></a>{pair}\n\nText."),
    )
}

#[test]
fn chooses_published_over_sxs_and_newest_english() {
    let src = Scratch::new("choose-src");
    let out = Scratch::new("choose-out");
    src.write(
        "nb-NO/a.md",
        &article("nb-NO", "08/31/2021", "# Publisert\n"),
    );
    src.write(
        "nb-NO/a.sxs.md",
        &sxs("nb-NO", "04/15/2021", "Gammel", "Old English"),
    );
    src.write(
        "de-DE/a.sxs.md",
        &sxs("de-DE", "05/19/2021", "Alt", "Newest English"),
    );
    src.write(
        "da-DK/a.sxs.md",
        &sxs("da-dk", "05/19/2021", "Gammel", "Newest English from da"),
    );
    let report = import_tree(&src.0, &out.0).unwrap();
    assert_eq!(
        (
            report.files_read,
            report.files_imported,
            report.files_failed
        ),
        (4, 4, 0)
    );
    assert_eq!((report.articles_written, report.english_written), (4, 1));
    assert_eq!(report.superseded, 3);
    assert!(out.read("nb-NO/a.md").ends_with("+++\n# Publisert\n"));
    // Same handoff date for de-DE and da-DK: the smaller locale name wins.
    let english = out.read("en-US/a.md");
    assert!(english.contains("source = \"da-DK/a.sxs.md\""), "{english}");
    assert!(
        english.contains("title = \"Newest English from da\""),
        "{english}"
    );
    assert!(english.contains("translation = \"source\""), "{english}");
    assert!(out.read("de-DE/a.md").contains("# Alt\n"));
}

#[test]
fn bad_files_are_reported_and_do_not_stop_the_rest() {
    let src = Scratch::new("bad-src");
    let out = Scratch::new("bad-out");
    src.write("README.md", "# Not an article\n");
    src.write(
        "xx/broken.sxs.md",
        &article(
            "fi-FI",
            "",
            "<span data-ttu-id=\"abcde-102\">never closed\n",
        ),
    );
    src.write("misc/good.md", &article("de-de", "", "# Gut\n"));
    src.write(".hidden/skip.md", "garbage");
    let report = import_tree(&src.0, &out.0).unwrap();
    assert_eq!(
        (
            report.files_read,
            report.files_imported,
            report.files_failed
        ),
        (3, 1, 2)
    );
    assert!(!report.is_success());
    assert_eq!(report.error_count(), 2, "{:#?}", report.problems);
    let shown: Vec<String> = report
        .problems
        .iter()
        .filter(|p| p.is_error())
        .map(|p| p.to_string())
        .collect();
    assert_eq!(
        shown[0],
        "README.md:1: error: no YAML front matter; not an article"
    );
    assert!(
        shown[1].starts_with("xx/broken.sxs.md:9: error: unterminated"),
        "{shown:?}"
    );
    // The locale comes from the front matter, not from the folder.
    assert!(out.read("de-DE/good.md").contains("locale = \"de-DE\""));
    assert!(!out.0.join("fi-FI").exists());
}

#[test]
fn output_inside_source_is_not_reimported_and_no_temp_files_remain() {
    let src = Scratch::new("nested-src");
    src.write(
        "he-IL/a.md",
        &article("he-IL", "", "# כותרת [](https://x.example/a)\n"),
    );
    let out = src.0.join("out");
    let first = import_tree(&src.0, &out).unwrap();
    let before = src.read("out/he-IL/a.md");
    // Importing over existing output changes nothing.
    let second = import_tree(&src.0, &out).unwrap();
    assert_eq!(src.read("out/he-IL/a.md"), before);
    assert_eq!(first, second);
    assert_eq!(second.files_read, 1);
    let names: Vec<String> = fs::read_dir(out.join("he-IL"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["a.md"]);
    let text = src.read("out/he-IL/a.md");
    assert!(text.contains("direction = \"rtl\""));
    assert!(text.contains("# כותרת [https://x.example/a](https://x.example/a)\n"));
}

#[test]
fn missing_source_directory_is_an_import_error() {
    let err = import_tree(
        Path::new("/nonexistent/article-import"),
        Path::new("/tmp/x"),
    )
    .unwrap_err();
    assert!(matches!(err, ImportError::ReadDir { .. }));
    assert!(err
        .to_string()
        .starts_with("cannot read directory /nonexistent/article-import"));
}

#[test]
fn keys_drop_md_and_sxs() {
    assert_eq!(article_key("nb-NO/a-b.sxs.md"), "a-b");
    assert_eq!(article_key("a.md"), "a");
}
