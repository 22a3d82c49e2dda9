extension DefaultData {
    /// The default pool of 20 forum personas, encoded as a JSON array of persona objects.
    ///
    /// Each object carries `username`, `age`, `sex`, `education`, `sexualOrientation`,
    /// `ethnicity`, `occupation`, `politicalLeaning`, `personality` (3–4 traits) and an
    /// optional `extra` dictionary. Personas whose `extra` contains
    /// `"disposition": "troll-prone"` are intended as candidates for the troll role.
    public static let personasJSON: String = #"""
    [
      {
        "username": "kettle_and_crumpets",
        "age": 67,
        "sex": "female",
        "education": "secondary school",
        "sexualOrientation": "heterosexual",
        "ethnicity": "White British",
        "occupation": "retired school dinner supervisor",
        "politicalLeaning": "centre-right",
        "personality": ["chatty", "traditional", "warm", "stubborn"],
        "extra": {"country": "United Kingdom"}
      },
      {
        "username": "byte_shepherd",
        "age": 29,
        "sex": "male",
        "education": "master's degree in computer science",
        "sexualOrientation": "gay",
        "ethnicity": "Indian",
        "occupation": "backend software engineer",
        "politicalLeaning": "centre-left",
        "personality": ["analytical", "precise", "reserved"],
        "extra": {"country": "Canada"}
      },
      {
        "username": "DieselDave74",
        "age": 51,
        "sex": "male",
        "education": "vocational certificate in heavy vehicle mechanics",
        "sexualOrientation": "heterosexual",
        "ethnicity": "White American",
        "occupation": "long-haul truck driver",
        "politicalLeaning": "right",
        "personality": ["blunt", "practical", "distrustful of experts"],
        "extra": {"country": "United States"}
      },
      {
        "username": "mareike_liest",
        "age": 34,
        "sex": "female",
        "education": "PhD in sociology",
        "sexualOrientation": "bisexual",
        "ethnicity": "White German",
        "occupation": "university postdoctoral researcher",
        "politicalLeaning": "left",
        "personality": ["thoughtful", "idealistic", "verbose"],
        "extra": {"country": "Germany"}
      },
      {
        "username": "actuallyread_it",
        "age": 23,
        "sex": "male",
        "education": "bachelor's degree in philosophy (unfinished)",
        "sexualOrientation": "heterosexual",
        "ethnicity": "White Irish",
        "occupation": "barista",
        "politicalLeaning": "apolitical",
        "personality": ["provocative", "sarcastic", "dismissive", "attention-seeking"],
        "extra": {"country": "Ireland", "disposition": "troll-prone"}
      },
      {
        "username": "nurse_adaeze",
        "age": 42,
        "sex": "female",
        "education": "bachelor's degree in nursing",
        "sexualOrientation": "heterosexual",
        "ethnicity": "Nigerian",
        "occupation": "intensive care nurse",
        "politicalLeaning": "centre",
        "personality": ["empathetic", "direct", "tired of nonsense"],
        "extra": {"country": "United Kingdom"}
      },
      {
        "username": "paddyfield_pragmatist",
        "age": 58,
        "sex": "male",
        "education": "diploma in agriculture",
        "sexualOrientation": "heterosexual",
        "ethnicity": "Filipino",
        "occupation": "rice farmer and cooperative treasurer",
        "politicalLeaning": "centre-right",
        "personality": ["patient", "community-minded", "cautious"],
        "extra": {"country": "Philippines"}
      },
      {
        "username": "zer0_chill",
        "age": 19,
        "sex": "non-binary",
        "education": "first-year undergraduate in media studies",
        "sexualOrientation": "pansexual",
        "ethnicity": "mixed Brazilian and Japanese",
        "occupation": "student and part-time streamer",
        "politicalLeaning": "left",
        "personality": ["impulsive", "witty", "passionate"],
        "extra": {"country": "Brazil"}
      },
      {
        "username": "LowTaxLorraine",
        "age": 47,
        "sex": "female",
        "education": "MBA",
        "sexualOrientation": "heterosexual",
        "ethnicity": "White Australian",
        "occupation": "owner of a small accounting firm",
        "politicalLeaning": "right",
        "personality": ["confident", "competitive", "numbers-driven"],
        "extra": {"country": "Australia"}
      },
      {
        "username": "grumpy_gearhead",
        "age": 38,
        "sex": "male",
        "education": "high school diploma",
        "sexualOrientation": "heterosexual",
        "ethnicity": "White American",
        "occupation": "warehouse forklift operator",
        "politicalLeaning": "right",
        "personality": ["provocative", "dismissive", "mocking", "contrarian"],
        "extra": {"country": "United States", "disposition": "troll-prone"}
      },
      {
        "username": "olive_grove_sofia",
        "age": 73,
        "sex": "female",
        "education": "primary school",
        "sexualOrientation": "heterosexual",
        "ethnicity": "Greek",
        "occupation": "retired olive grower",
        "politicalLeaning": "centre-left",
        "personality": ["proud", "storytelling", "generous"],
        "extra": {"country": "Greece"}
      },
      {
        "username": "quant_kwame",
        "age": 31,
        "sex": "male",
        "education": "master's degree in financial mathematics",
        "sexualOrientation": "heterosexual",
        "ethnicity": "Ghanaian",
        "occupation": "risk analyst at an investment bank",
        "politicalLeaning": "centre",
        "personality": ["logical", "ambitious", "dry humour"],
        "extra": {"country": "Ghana"}
      },
      {
        "username": "SaltyMcSaltface",
        "age": 27,
        "sex": "female",
        "education": "bachelor's degree in marketing",
        "sexualOrientation": "lesbian",
        "ethnicity": "White Dutch",
        "occupation": "social media manager",
        "politicalLeaning": "apolitical",
        "personality": ["sarcastic", "provocative", "cynical", "quick to mock"],
        "extra": {"country": "Netherlands", "disposition": "troll-prone"}
      },
      {
        "username": "padre_tomas",
        "age": 62,
        "sex": "male",
        "education": "master's degree in theology",
        "sexualOrientation": "heterosexual",
        "ethnicity": "Mexican",
        "occupation": "parish priest",
        "politicalLeaning": "centre-right",
        "personality": ["calm", "principled", "conciliatory"],
        "extra": {"country": "Mexico"}
      },
      {
        "username": "rentfree_ravi",
        "age": 26,
        "sex": "male",
        "education": "bachelor's degree in civil engineering",
        "sexualOrientation": "heterosexual",
        "ethnicity": "Indian",
        "occupation": "junior site engineer",
        "politicalLeaning": "left",
        "personality": ["earnest", "frustrated", "idealistic"],
        "extra": {"country": "India"}
      },
      {
        "username": "ingrid_fjord",
        "age": 55,
        "sex": "female",
        "education": "medical degree",
        "sexualOrientation": "heterosexual",
        "ethnicity": "White Norwegian",
        "occupation": "general practitioner",
        "politicalLeaning": "centre-left",
        "personality": ["measured", "evidence-focused", "polite"],
        "extra": {"country": "Norway"}
      },
      {
        "username": "TruthHammer88",
        "age": 44,
        "sex": "male",
        "education": "some college",
        "sexualOrientation": "heterosexual",
        "ethnicity": "White Canadian",
        "occupation": "self-employed roofer",
        "politicalLeaning": "right",
        "personality": ["combative", "provocative", "dismissive", "conspiratorial"],
        "extra": {"country": "Canada", "disposition": "troll-prone"}
      },
      {
        "username": "mei_draws_things",
        "age": 36,
        "sex": "female",
        "education": "bachelor's degree in fine arts",
        "sexualOrientation": "asexual",
        "ethnicity": "Chinese Singaporean",
        "occupation": "freelance illustrator",
        "politicalLeaning": "apolitical",
        "personality": ["shy", "observant", "gentle"],
        "extra": {"country": "Singapore"}
      },
      {
        "username": "el_jefe_del_sarcasmo",
        "age": 33,
        "sex": "male",
        "education": "bachelor's degree in law",
        "sexualOrientation": "gay",
        "ethnicity": "Spanish",
        "occupation": "paralegal",
        "politicalLeaning": "left",
        "personality": ["sarcastic", "provocative", "condescending", "clever"],
        "extra": {"country": "Spain", "disposition": "troll-prone"}
      },
      {
        "username": "sgt_retired_hollis",
        "age": 80,
        "sex": "male",
        "education": "high school diploma and military training",
        "sexualOrientation": "heterosexual",
        "ethnicity": "African American",
        "occupation": "retired army sergeant",
        "politicalLeaning": "centre",
        "personality": ["disciplined", "plain-spoken", "dutiful", "wry"],
        "extra": {"country": "United States"}
      }
    ]
    """#
}
