/// The vocabulary of ``SampleWorkbook`` (the lists of
/// `shared/bench/gen_workbook.py`).
enum SampleWords {
    static let categories = ["Electronics", "Garden", "Toys", "Books", "Kitchen", "Sports",
                             "Office", "Beauty", "Automotive", "Grocery", "Fashion", "Health"]
    static let adjectives = ["Classic", "Deluxe", "Compact", "Ultra", "Eco", "Smart", "Pro", "Mini",
                             "Premium", "Basic", "Rugged", "Silent", "Turbo", "Vintage", "Modern",
                             "Große", "Petite", "Süße", "Élégant", "Nordic"]
    static let nouns = ["Lamp", "Kettle", "Drill", "Backpack", "Notebook", "Speaker", "Chair",
                        "Blender", "Helmet", "Jacket", "Mug", "Router", "Camera", "Toaster",
                        "Scissors", "Bottle", "Monitor", "Keyboard", "Tent", "Umbrella",
                        "Kaffeemühle", "Gießkanne", "Théière", "Cafetière"]
    static let variants = ["S", "M", "L", "XL", "v2", "v3", "2024", "Set of 2", "Black",
                           "White", "Blau", "Rouge", "Grün", "Crème"]
    static let first = ["Anna", "Jürgen", "Zoë", "José", "Chloé", "Björn", "Małgorzata",
                        "François", "Søren", "Ümit", "Ayşe", "Noémie", "John", "Maria",
                        "Peter", "Linda", "Mohammed", "Olivia", "Lukas", "Sofía", "Nuno",
                        "Ingrid", "Tomáš", "Dominik"]
    static let last = ["Müller", "Schmidt", "García", "Núñez", "Dubois", "Łukasiewicz",
                       "Øvergaard", "Smith", "Johnson", "Rossi", "Ferrari", "Novák", "Kovač",
                       "Öztürk", "Lefèvre", "Brown", "Jensen", "Weiß", "Fernández", "Kim"]
    static let cjkNames = ["山田 太郎", "佐藤 花子", "王 伟", "李 娜", "김 민준", "鈴木 一郎"]
    static let cities = ["München", "Köln", "Zürich", "São Paulo", "Kraków", "Málaga",
                         "Montréal", "Reykjavík", "Göteborg", "Besançon", "Łódź", "İstanbul",
                         "Berlin", "Hamburg", "Paris", "London", "New York", "Chicago",
                         "Madrid", "Lisboa", "Praha", "Wien", "Oslo", "Århus", "Tromsø",
                         "東京", "大阪", "北京", "上海", "서울", "Düsseldorf", "Nürnberg",
                         "Genève", "Córdoba", "Bogotá", "Curaçao", "Dublin", "Rome", "Milano",
                         "Amsterdam"]
    static let words = ["delivery", "customer", "requested", "gift", "wrapping", "please",
                        "call", "before", "arrival", "fragile", "handle", "with", "care",
                        "leave", "at", "door", "neighbour", "back", "entrance", "invoice",
                        "separately", "Lieferung", "bitte", "vor", "der", "Tür", "abstellen",
                        "Rückruf", "erwünscht", "livraison", "après", "midi", "très",
                        "urgent", "entrega", "mañana", "señor", "über", "Straße", "Größe",
                        "prüfen", "déjà", "payé", "café", "naïve", "façade", "coöperate",
                        "配達", "午前中", "希望"]
}
