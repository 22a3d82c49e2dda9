extension DefaultData {
    /// The default opening comments, one per contested topic, each keyed by a kebab-case slug.
    ///
    /// Each seed is a deliberately one-sided forum post meant to provoke disagreement;
    /// the slug doubles as a file name when the seeds are written to disk.
    public static let seedComments: [(slug: String, text: String)] = [
        (
            slug: "remote-work",
            text: #"""
            Honestly the return-to-office push is just middle managers panicking because nobody needs them to hover anymore. I get more done in four hours at my kitchen table than in a full day of open-plan chatter and pointless "quick syncs". If your job only works when someone can see you sitting at a desk, maybe the problem is the job. Anyone defending two hours of commuting a day for "culture" has clearly never had to do it.
            """#
        ),
        (
            slug: "rent-control",
            text: #"""
            Rent control is the only thing standing between ordinary people and landlords who think a 20% hike every year is just "the market". Every economist who says it reduces supply seems to own three flats, funny that. Housing is a basic need, not a stock portfolio. Cap the rents and let the speculators cry about it.
            """#
        ),
        (
            slug: "immigration-quotas",
            text: #"""
            Hard annual immigration caps are common sense and I'm tired of being called heartless for saying so. Schools, GP surgeries and housing are already stretched and nobody in charge ever plans for the numbers that actually arrive. A country that can't say how many people it can take isn't being generous, it's being disorganised. Set a number, stick to it, end of story.
            """#
        ),
        (
            slug: "car-free-city-centres",
            text: #"""
            Ban private cars from city centres, full stop. Every city that has done it ends up with quieter streets, cleaner air and cafes where there used to be parking spaces. The people screaming about "the war on motorists" are mostly folks who drive 400 metres to buy a pint of milk. Walk, cycle or take the bus like an adult.
            """#
        ),
        (
            slug: "standardised-testing",
            text: #"""
            Standardised tests are the fairest thing we have left in education and the people trying to scrap them should be honest about why. Essays, interviews and "holistic review" just reward kids whose parents can afford coaches and fancy extracurriculars. A test score doesn't care who your dad knows. Getting rid of exams doesn't help poor kids, it just hides how badly schools are failing them.
            """#
        ),
        (
            slug: "meat-tax",
            text: #"""
            A proper tax on meat is long overdue. We tax cigarettes and sugary drinks, yet the stuff that drives a huge chunk of emissions and wrecks our hearts gets a free pass because people are emotionally attached to their bacon. Nobody is banning your burger, you'd just pay what it actually costs. If that offends you, maybe ask why your dinner needs a subsidy.
            """#
        ),
        (
            slug: "social-media-age-limit",
            text: #"""
            Nobody under 16 should be on social media, and I can't believe this is even controversial. We've handed kids an app engineered to be addictive and then acted surprised when anxiety rates went through the roof. The "but it's how they stay connected" crowd is mostly parents who don't want the argument at the dinner table. Put in real age verification and make the platforms pay when they ignore it.
            """#
        ),
        (
            slug: "nuclear-power",
            text: #"""
            If you're against nuclear power you don't get to call yourself serious about climate change. It's the cleanest, most reliable low-carbon source we have, and the safety record is far better than coal that quietly kills thousands every year. Anti-nuclear campaigners have done more damage to the climate than most oil companies. Build the reactors and stop treating a 1980s disaster film as energy policy.
            """#
        ),
        (
            slug: "school-phone-ban",
            text: #"""
            Phones should be locked away for the entire school day, no exceptions, and parents who complain are part of the problem. Teachers can't compete with a device designed to hijack attention, and kids are spending breaktime staring at screens instead of talking to each other. "What if there's an emergency" is a weak excuse, schools have had phones in the office for decades. Let kids be bored for six hours, it won't kill them.
            """#
        ),
        (
            slug: "universal-basic-income",
            text: #"""
            Universal basic income is just paying people to sit on the sofa and I'm amazed anyone still takes it seriously. Somebody has to actually fund it, and it's always the same working people who get up at six. Every pilot scheme gets hyped up and then quietly shelved when the bill arrives. If you want money for nothing, at least be honest that it's somebody else's money.
            """#
        ),
    ]
}
