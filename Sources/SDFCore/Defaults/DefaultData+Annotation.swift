extension DefaultData {
    /// The default annotation panel: five annotators of varied backgrounds, as a JSON array of personas.
    public static let annotatorsJSON: String = #"""
        [
          {"username": "annotator_lena", "age": 34, "sex": "female", "education": "PhD in communication studies",
           "ethnicity": "German", "occupation": "content moderation researcher", "politicalLeaning": "centre-left",
           "personality": ["careful", "even-handed", "detail-oriented"]},
          {"username": "annotator_marcus", "age": 52, "sex": "male", "education": "high school diploma",
           "ethnicity": "African American", "occupation": "bus driver", "politicalLeaning": "centre",
           "personality": ["plain-spoken", "fair", "patient"]},
          {"username": "annotator_priya", "age": 27, "sex": "female", "education": "master's degree in law",
           "ethnicity": "Indian", "occupation": "paralegal", "politicalLeaning": "left",
           "personality": ["analytical", "principled", "direct"]},
          {"username": "annotator_tomasz", "age": 61, "sex": "male", "education": "vocational training",
           "ethnicity": "Polish", "occupation": "retired electrician", "politicalLeaning": "right",
           "personality": ["traditional", "skeptical", "polite"]},
          {"username": "annotator_ines", "age": 40, "sex": "non-binary", "education": "bachelor's degree in philosophy",
           "ethnicity": "Portuguese", "occupation": "secondary school teacher", "politicalLeaning": "centre-right",
           "personality": ["reflective", "calm", "open-minded"]}
        ]
        """#

    /// The default annotation instructions: rate one comment in its context, by the rubric, as JSON.
    public static let annotationInstructions: String = #"""
        You will see the opening post of an online discussion, a few comments that came before, and one target comment.
        Rate only the target comment, using the comments before it as context. Judge it as yourself, with your own
        background, but apply the scale definitions exactly. Rate every dimension, even when the comment is short,
        off-topic or odd. Do not explain your rating.
        """#
}
