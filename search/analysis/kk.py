"""Kazakh language data: suffix tables, exceptions, stop words (data only, no logic).

Suffixes are written in Kazakh letters with every vowel-harmony (back/front) and
assimilation (voiced/voiceless/nasal) variant; :mod:`search.analysis.kazakh` folds
them, because the stemmer works on folded words so that a word typed without Kazakh
letters gets the same key.  Slots give the order of Kazakh morphology from the root
outwards: a suffix can only be stripped inside (before) one already stripped.
"""

from __future__ import annotations

#: Slot numbers, root outwards.
VOICE = 1
NEGATION = 2
VERBAL = 3
PLURAL = 4
POSSESSIVE = 5
CASE = 6
PERSON = 7
PARTICLE = 8

SUFFIXES: dict[int, tuple[str, ...]] = {
    # passive, reflexive, reciprocal.  Left out: the causatives -дыр/-тыр, -ғыз/-қыз,
    # whose verbs are words of their own (жеткіз 'deliver' is no жет 'reach', жүргіз
    # 'conduct' no жүр 'walk', білдір 'express' no біл 'know'; the treebank lemmas
    # keep them too: +0.002 conflation on both halves, over-merging unchanged)
    VOICE: tuple("ыл іл л ын ін н ыс іс".split()),
    NEGATION: tuple("ма ме ба бе па пе".split()),
    VERBAL: tuple(
        (
            # past; participles; converbs; present converb
            "ды ді ты ті  ған ген қан кен  ып іп п  а е й "
            # habitual participle; intention; verbal noun and agent
            "атын етін йтын йтін  мақ мек бақ бек пақ пек  у уы уі "
            # conditional; imperative 3rd; volitive; aorist and its negation
            "са се  сын сін  айын ейін йын йін  ар ер р  мас мес бас бес пас пес "
            # 'since', 'until', 'because', 'after'
            "ғалы гелі қалы келі  ғанша генше қанша кенше "
            "ғандықтан гендіктен қандықтан кендіктен  ғасын гесін қасын кесін "
            # evidential past; polite imperative; 'as if'
            "ыпты іпті пты пті  ыңыз іңіз ңыз ңіз  ғандай гендей қандай кендей "
            # negated present converb (кел-ме-й-ді).  Left out: the archaic -ғай
            # optative (бол-ғай), which cut nouns far more often (торғай, айғай,
            # найзағай, Қапшағай, беткей: 16 of 17 changed KazNERD words)
            "май мей бай бей пай пей"
        ).split()
    ),
    # plural; ordinal numerals (бес-інші) decline like nouns, so they share its slot
    PLURAL: tuple("лар лер дар дер тар тер  ыншы інші ншы нші".split()),
    POSSESSIVE: tuple(
        (
            "ым ім м  ың ің ң  ыңыз іңіз ңыз ңіз  ы і сы сі  ымыз іміз мыз міз "
            "ыңдар іңдер ңдар ңдер  ыңыздар іңіздер ңыздар ңіздер"
        ).split()
    ),
    CASE: tuple(
        (
            # genitive; accusative; dative (-а/-е after 1st/2nd possessive)
            "ның нің дың дің тың тің  ны ні ды ді ты ті  ға ге қа ке а е "
            # locative; ablative; instrumental
            "да де та те  дан ден тан тен нан нен  мен бен пен менен бенен пенен "
            # locative attribute ('in ...').  Left out: the similative -дай/-дей
            # (rare in documents, and it would cut жағдай, бірдей) and the equative
            # -ша/-ше, which makes adverbs of their own (қазақша, жаңаша, ерекше)
            "дағы дегі тағы тегі"
        ).split()
    ),
    PERSON: tuple(
        (
            "мын мін бын бін пын пін  мыз міз быз біз пыз піз  сыздар сіздер  ды ді ты ті  йды йді"
            # (2nd person polite -сыз/-сіз is left out: it is far more often the
            # privative 'without' of derived adjectives, тәуелсіз, құжатсыз; so is the
            # informal -сың/-сің, rare in documents, which folds to -сын and cut the
            # possessive with the accusative: карта-сы-н, ұсыныс-ы-н, шара-сы-н)
        ).split()
    ),
    # 'you know' (ғой), written joined by many writers.  The question particle
    # ма/ме is written apart in standard spelling; joined, it is far more often the
    # noun-forming -ма/-ме (тапсырма, сараптама, бөлме), so it is not stripped
    PARTICLE: tuple("ғой қой".split()),
}

#: Numerals: the only stems the ordinal suffix -ыншы/-інші follows (ойыншы is a noun).
NUMERALS: tuple[str, ...] = tuple(
    "бір екі үш төрт бес алты жеті сегіз тоғыз он жиырма отыз қырық елу алпыс жетпіс "
    "сексен тоқсан жүз мың миллион миллиард".split()
)

#: Past and conditional forms with their short personal endings (кел-ді-м, кел-се-ң):
#: the endings м, ң alone would strip the last letter of too many stems.  The 1st
#: plural -қ/-к is left out: -дық/-дік also derives nouns (жамандық).
PAST_PERSON: tuple[str, ...] = tuple(
    tense + person
    for tense in "ды ді ты ті са се".split()
    for person in "м ң ңыз ңіз ңдар ңдер ңыздар ңіздер".split()
)

#: Case endings that only follow a third-person possessive (``баласына``, ``үйінде``):
#: written with the possessive, stripped as one suffix in the case slot, after which
#: only plural and verbal slots remain.
POSSESSIVE_CASE: tuple[str, ...] = tuple(
    poss + case
    for poss in "ы і сы сі лары лері дары дері тары тері".split()
    for case in "н на не нда нде нан нен ндағы ндегі".split()
)

#: The dative after a first or second person possessive on a consonant (``қолыма``,
#: ``үйіңе``, ``кітабыңа``): stripped as one suffix like :data:`POSSESSIVE_CASE`, since
#: a final -а/-е alone ends nouns more often than it is a dative.  Left out after a
#: vowel: ``-ма/-ме`` makes nouns of verbs (тапсырма, бөлме) and ``-ңа/-ңе`` folds to
#: ``-на/-не``, which ends many words typed without Kazakh letters (сана, мына).
POSSESSIVE_DATIVE: tuple[str, ...] = tuple("ыма іме ыңа іңе".split())

#: Inflected forms that rules cannot reach (pronouns, auxiliaries, irregular verbs,
#: and the place nouns алд-, аст-, үст- 'front, under, top', whose forms the rules
#: would read as the verbs ал 'take' and ас 'exceed'), as ``form lemma`` pairs; folded
#: when loaded.
EXCEPTIONS: dict[str, str] = dict(
    line.split()
    for line in """
    оның ол|оған ол|оны ол|одан ол|онда ол|онымен ол
    менің мен|маған мен|мені мен|менен мен|менде мен
    сенің сен|саған сен|сені сен|сенен сен|сенде сен
    біздің біз|бізге біз|бізді біз|бізден біз|бізде біз|біздер біз
    сіздің сіз|сізге сіз|сізді сіз|сізден сіз|сізде сіз|сіздер сіз|сіздерге сіз
    сіздердің сіз|сіздерді сіз
    мұның бұл|бұның бұл|мұны бұл|бұны бұл|мұнда бұл|бұнда бұл|мұнан бұл|бұдан бұл
    бұған бұл|мұған бұл|бұлар бұл|бұлардың бұл
    осының осы|осыған осы|осыны осы|осыдан осы|осында осы
    соның сол|соған сол|соны сол|содан сол|сонда сол
    нені не|неге не|неден не|ненің не|немен не
    кімнің кім|кімге кім|кімді кім|кімнен кім
    өзі өз|өзін өз|өзінің өз|өзіне өз|өзінде өз|өзінен өз|өзімен өз|өзінше өз
    өзіндей өз|өздері өз|өздерін өз|өздерінің өз|өздеріне өз|өзім өз|өзің өз
    өзіміз өз|өзімізді өз|өзіміздің өз|өзіңіз өз|өзара өзара
    еді е|екен е|емес е|екені е|екенін е|едім е|едік е|едің е
    деп де|деді де|дейді де|деген де|дейтін де|демек де|десе де|деу де|деймін де
    дедім де|жауып жап|жауады жап|тауып тап|тауыпты тап
    ондағы ол|мұндағы бұл|сондағы сол|осындағы осы
    жатыр жат|жатырмыз жат|жатырмын жат|жатырсыз жат|отыр отыр|тұр тұр|жүр жүр
    пен мен|бен мен|ба ма|бе ма|па ма|пе ма|ме ма|та да|те да
    орны орын|орнында орын|орнына орын|орнын орын|ерні ерін|мұрны мұрын|аузы ауыз
    аузын ауыз|аузымен ауыз|көңілі көңіл|халқы халық|халқын халық|халқының халық
    халқына халық|әрпі әріп|қарны қарын|ұлы ұл|ойы ой|іші іш|ішінде іш|ішіне іш
    ішінен іш|ішін іш
    жылы жыл|жылғы жыл|айы ай|күні күн
    елі ел|елін ел|елінің ел|еліне ел|елінде ел|елінен ел|еліміз ел|елімізде ел
    елімізге ел|еліміздің ел|елімізден ел|елімізді ел
    алдында алд|алдындағы алд|алдынан алд|алдына алд|алдыма алд|алдымызда алд
    астында аст|астындағы аст|астынан аст|астына аст
    үстінде үст|үстіндегі үст|үстінен үст|үстіне үст
    """.replace("\n", "|").split("|")
    if line.strip()
)

#: Stems whose second vowel drops before a vowel-initial suffix (орын → орны):
#: after stripping, the full stem is restored.
VOWEL_DROP: dict[str, str] = dict(
    pair.split()
    for pair in (
        "орн орын|ерн ерін|мұрн мұрын|ауз ауыз|халқ халық|әрп әріп|қарн қарын|құлқ құлық|"
        "ерк ерік|бөрк бөрік|ойн ойын|қойн қойын|нарқ нарық|сіңл сіңлі|ауыл ауыл|"
        "қауп қауіп|кәсіпорн кәсіпорын|қалп қалып|мүлк мүлік"
    ).split("|")
)

#: Frequent function words dropped from the index and from queries.
STOP_WORDS: frozenset[str] = frozenset(
    """
    және мен бен пен да де та те ма ме ба бе па пе ғой ғана қана ше
    бұл осы сол ол мына сона әлгі
    үшін арқылы туралы сияқты секілді дейін шейін кейін бері гөрі қарай
    бірақ алайда әйтпесе немесе не әлде яғни өйткені себебі сондықтан егер
    енді тағы әрі ия иә жоқ емес еді екен
    ең өте тым аса әбден
    """.split()
)

#: Stems spelled without Kazakh letters that are frequent Kazakh words of their own:
#: the folded stem of a word spelled with Kazakh letters is not indexed when it is one
#: of these (``бөл`` is not indexed as ``бол``, ``бәрі`` not as ``бар``, ``оң`` not as
#: ``он``), so a query for ``бол`` finds ``бол`` only.  Chosen on KazNERD (CC BY 4.0):
#: folded stems whose spelling without Kazakh letters occurs 20 times or more and at
#: least half as often as their spellings with Kazakh letters, less loanwords and
#: fragments (``сон`` of ``сонымен``: ``соң`` typed without ң must find ``соң``);
#: ``ол`` added by hand.  Typing without Kazakh letters still finds every other word
#: (``салык`` finds ``салық``, ``соз`` finds ``сөз``, ``кун`` finds ``күн``).
FOLD_HOMOGRAPHS: frozenset[str] = frozenset(
    """
    ал бол бар он ол бас ай сал су тап сан жан сат аз тол шын тан сен тас рас мол бай
    тоз
    """.split()
)
