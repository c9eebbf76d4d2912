//! Ranking: from the set of patterns that matched to one classification
//! (rules minus their guards, weights, language ties, slots).

use regex_automata::{PatternID, PatternSet};

use super::*;

impl Matcher {
    pub(super) fn rank(
        &self,
        normalized: &Normalized,
        text: &str,
        matched: &PatternSet,
    ) -> Classification {
        if matched.is_empty() {
            return Classification::default();
        }
        // Visit only the ids that matched, and stop reading the set after the last
        // one: with hundreds of rules a full pass over it cost as much as the scan.
        let mut hits: Vec<usize> = Vec::with_capacity(matched.len());
        for id in matched.iter() {
            hits.push(id.as_usize());
            if hits.len() == matched.len() {
                break;
            }
        }
        let markers = self.markers.len();
        let marker_langs: Vec<String> = hits
            .iter()
            .take_while(|&&i| i < markers)
            .map(|&i| self.markers[i].lang.clone())
            .collect();
        let mut best: Vec<Option<(usize, f32)>> = vec![None; self.intents.len()];
        let mut langs: Vec<String> = Vec::new();
        let mut vetoed_langs: Vec<String> = Vec::new();
        let mut vetoed: Vec<String> = Vec::new();
        // Languages whose rules tie with an intent's best rule (same weight,
        // marker words of both or of neither: Swedish and Norwegian, Czech
        // and Slovak). They follow the winner in `langs`, and the locale
        // negotiator tells them apart by the text.
        let mut ties: Vec<Vec<String>> = vec![Vec::new(); self.intents.len()];
        let rule_hits = hits
            .iter()
            .filter_map(|&id| id.checked_sub(markers))
            .take_while(|&i| i < self.rules.len());
        for i in rule_hits {
            let rule = &self.rules[i];
            if !self.fires(i, matched) {
                vetoed_langs.push(rule.lang.clone());
                vetoed.push(rule.id.clone());
                continue;
            }
            // Equal weight across languages (close cousins share stems):
            // the language whose marker words occur wins, else file order.
            let marked = |lang: &str| {
                marker_langs
                    .iter()
                    .any(|m| m == lang || is_variant(m, lang))
            };
            let slot = &mut best[rule.intent];
            let better = match *slot {
                None => true,
                Some((current, w)) => {
                    let current_lang = &self.rules[current].lang;
                    let tied = rule.weight == w
                        && marked(&rule.lang) == marked(current_lang)
                        && rule.lang != *current_lang;
                    if tied && !ties[rule.intent].contains(&rule.lang) {
                        ties[rule.intent].push(rule.lang.clone());
                    }
                    rule.weight > w
                        || (rule.weight == w && marked(&rule.lang) && !marked(current_lang))
                }
            };
            if better {
                *slot = Some((i, rule.weight));
                ties[rule.intent].clear();
            }
        }
        let mut fired: Vec<(usize, f32, i32)> = best
            .iter()
            .filter_map(|b| *b)
            .map(|(rule, w)| (rule, w, self.intents[self.rules[rule].intent].priority))
            .collect();
        fired.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.2.cmp(&a.2)));
        if fired.len() > 1 {
            // Equal strength and priority: the intent mentioned first wins.
            let start = |rule: usize| self.span_of(self.rule_pid(rule), normalized, text).0.start;
            fired.sort_by(|a, b| {
                b.1.total_cmp(&a.1)
                    .then(b.2.cmp(&a.2))
                    .then_with(|| start(a.0).cmp(&start(b.0)))
            });
        }
        let mut classification = Classification::default();
        for (rule_index, score, _) in fired {
            let rule = &self.rules[rule_index];
            let info = &self.intents[rule.intent];
            for lang in std::iter::once(&rule.lang).chain(&ties[rule.intent]) {
                if !langs.contains(lang) {
                    langs.push(lang.clone());
                }
            }
            let candidate = Candidate {
                intent: info.name.clone(),
                score,
                rule: rule.id.clone(),
                lang: rule.lang.clone(),
            };
            match info.kind {
                IntentKind::Request => classification.candidates.push(candidate),
                IntentKind::Conversation if classification.topic.is_none() => {
                    classification.topic = Some(candidate)
                }
                IntentKind::Conversation => {}
            }
        }
        // A vetoed look-alike ("avlys møtet") still tells the reply
        // language, but only when nothing fired: a message some rule
        // understood is answered in that rule's language alone.
        if langs.is_empty() {
            let marked = |lang: &str| {
                marker_langs
                    .iter()
                    .any(|m| m == lang || is_variant(m, lang))
            };
            vetoed_langs.sort_by_key(|lang| !marked(lang));
            for lang in vetoed_langs {
                if !langs.contains(&lang) {
                    langs.push(lang);
                }
            }
        }
        classification.langs = langs;
        classification.vetoed = vetoed;
        classification.marker_langs = marker_langs;
        if !classification.langs.is_empty() || classification.topic.is_some() {
            classification.slots = self.slots.extract(normalized, text);
        }
        classification
    }

    /// Span (in the original text) and matched text of pattern `id`.
    pub(super) fn span_of(
        &self,
        id: PatternID,
        normalized: &Normalized,
        text: &str,
    ) -> (std::ops::Range<usize>, String) {
        match self.singles[id.as_usize()].find(normalized.as_str()) {
            Some(m) => {
                let span = normalized.original_span(m.range());
                let matched = text.get(span.clone()).unwrap_or_default().to_owned();
                (span, matched)
            }
            None => (0..0, String::new()),
        }
    }
}
