//! Surveys and answers. Definitions come from the hub's config (retained on `survey/<id>`);
//! answers are anonymous by construction: no field can carry who answered.

use serde::{Deserialize, Serialize};

use crate::envelope::Validate;
use crate::ids::{DeviceId, Lang, QuestionId, ServiceId, SurveyId};
use crate::text::Localized;

/// Upper bound for any free-text answer, whatever a survey sets.
pub const MAX_TEXT_LEN: usize = 2000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyDef {
    pub id: SurveyId,
    pub title: Localized,
    pub questions: Vec<Question>,
    pub thanks: Localized,
}

impl Validate for SurveyDef {
    fn validate(&self) -> Result<(), String> {
        if self.questions.is_empty() {
            return Err(format!("survey {} has no questions", self.id));
        }
        let mut seen = std::collections::BTreeSet::new();
        for q in self.questions.iter().flat_map(Question::with_follow_ups) {
            if !seen.insert(&q.id) {
                return Err(format!("survey {}: question id {} appears twice", self.id, q.id));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub id: QuestionId,
    pub text: Localized,
    pub kind: QuestionKind,
    #[serde(default)]
    pub required: bool,
}

impl Question {
    /// This question and its follow-up, if any.
    pub fn with_follow_ups(&self) -> Vec<&Question> {
        let mut v = vec![self];
        if let QuestionKind::YesNo { follow_up_on_no: Some(f) } = &self.kind {
            v.extend(f.with_follow_ups());
        }
        v
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleStyle {
    Smileys,
    Numbers,
}

/// What a 1–5 scale measures, so the hub knows how to aggregate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Customer effort (1 = very easy … 5 = very hard): reported as a mean.
    Ces,
    /// Satisfaction: reported as % of 4–5.
    Csat,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    /// Pick one of a list ("which service was this about?"). An option's id may be a service id.
    Choice {
        options: Vec<ChoiceOption>,
    },
    Scale5 {
        style: ScaleStyle,
        measure: Measure,
    },
    /// 0–10 "would you recommend".
    Nps,
    /// Done / started / not done.
    Outcome,
    /// Yes/no, with a follow-up question shown only after "no".
    YesNo {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        follow_up_on_no: Option<Box<Question>>,
    },
    FreeText {
        max_len: u16,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoiceOption {
    pub id: String,
    pub text: Localized,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Done,
    Started,
    NotDone,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum AnswerValue {
    Choice(String),
    Scale(u8),
    Nps(u8),
    Outcome(Outcome),
    YesNo(bool),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub question: QuestionId,
    pub value: AnswerValue,
}

/// One filled-in survey on `feedback` (QoS 1, from the outbox); stored once per envelope id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackAnswer {
    pub survey: SurveyId,
    pub device: DeviceId,
    pub lang: Lang,
    /// The service the answer is about, when known (chosen or given by the trigger).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceId>,
    pub answers: Vec<Answer>,
}

impl Validate for FeedbackAnswer {
    fn validate(&self) -> Result<(), String> {
        if self.answers.is_empty() {
            return Err("feedback has no answers".into());
        }
        for a in &self.answers {
            match &a.value {
                AnswerValue::Scale(n) if !(1..=5).contains(n) => {
                    return Err(format!("answer to {}: scale value {n} is outside 1-5", a.question));
                }
                AnswerValue::Nps(n) if *n > 10 => {
                    return Err(format!("answer to {}: NPS value {n} is outside 0-10", a.question));
                }
                AnswerValue::Text(t) if t.chars().count() > MAX_TEXT_LEN => {
                    return Err(format!("answer to {}: text longer than {MAX_TEXT_LEN} characters", a.question));
                }
                _ => {}
            }
        }
        Ok(())
    }
}
