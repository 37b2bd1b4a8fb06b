"""Fixed word lists the generator draws from: Kansas City area districts, schools, people, organizations.

District names are the ones the VMS code knows (docs/vms-org.md#districts): the legacy upper-case Salesforce
names, the short aliases sessions use in ``District__c``, and the long names the aliases resolve to.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class District:
    name: str                  # the Account name, as Salesforce holds it
    alias: str | None          # the short name sessions often carry in District__c
    long_name: str | None      # the name the VMS alias table resolves the alias to
    state: str
    city: str
    weight: int                # relative number of schools


DISTRICTS = (
    District("KANSAS CITY USD 500", "KCKPS", "Kansas City Kansas Public Schools", "KS", "Kansas City", 50),
    District("KANSAS CITY PUBLIC SCHOOL DISTRICT", "KCPS", "Kansas City Public Schools (MO)", "MO", "Kansas City", 40),
    District("HICKMAN MILLS C-1", "Hickman Mills", "Hickman Mills School District", "MO", "Kansas City", 12),
    District("GRANDVIEW C-4", "Grandview", "Grandview School District", "MO", "Grandview", 8),
    District("CENTER SCHOOL DISTRICT", "Center", "Center School District", "MO", "Kansas City", 7),
    District("ALLEN VILLAGE", "Allen Village", "Allen Village - District", "MO", "Kansas City", 2),
    District("NORTH KANSAS CITY 74", None, None, "MO", "North Kansas City", 12),
    District("INDEPENDENCE 30", None, None, "MO", "Independence", 10),
    District("HOGAN PREPARATORY ACADEMY", None, None, "MO", "Kansas City", 2),
    District("PIPER-KANSAS CITY", None, None, "KS", "Kansas City", 3),
    District("BELTON 124", None, None, "MO", "Belton", 4),
    District("CROSSROADS ACADEMY OF KANSAS CITY", None, None, "MO", "Kansas City", 2),
    District("GUADALUPE CENTERS SCHOOLS", None, None, "MO", "Kansas City", 2),
    District("BLUE VALLEY", None, None, "KS", "Overland Park", 8),
    District("BASEHOR-LINWOOD", None, None, "KS", "Basehor", 3),
    District("REPUBLIC R-III", None, None, "MO", "Republic", 2),
    District("SPRINGFIELD R-XII", None, None, "MO", "Springfield", 3),
    District("DE SOTO", None, None, "KS", "De Soto", 3),
    District("INDEPENDENT", None, None, "MO", "Kansas City", 2),
    District("CENTER 58 SCHOOL DISTRICT", None, None, "MO", "Kansas City", 2),
    District("LEE'S SUMMIT R-7", None, None, "MO", "Lee's Summit", 8),
    District("RAYTOWN C-2", None, None, "MO", "Raytown", 5),
    District("PARK HILL", None, None, "MO", "Kansas City", 6),
    District("SHAWNEE MISSION USD 512", None, None, "KS", "Shawnee Mission", 8),
    District("TURNER USD 202", None, None, "KS", "Kansas City", 3),
)

SCHOOL_BASES = (
    "Washington", "Wyandotte", "Sumner", "Schlagle", "Harmon", "Lincoln", "Central", "Northeast", "Southeast",
    "East", "Paseo", "Banneker", "Hale Cook", "Garfield", "Longfellow", "Border Star", "Wheatley", "Faxon",
    "Holliday", "Whittier", "Carver", "Truman", "Ruskin", "Smith-Hale", "Martin City", "Santa Fe Trail",
    "Red Bridge", "Boone", "Belvidere", "Butcher-Greene", "Conn-West", "Meadowmoor", "Highland Park",
    "Frank Rushton", "Gladstone", "Hartman", "Trailwoods", "Primitivo Garcia", "Rogers", "Melcher",
    "Pitcher", "Wendell Phillips", "King", "Hogan", "Grandview", "Martin", "Arrowhead", "Rosedale", "Argentine",
    "Bethel", "Caruthers", "Douglass", "Emerson", "Frances Willard", "Hazel Grove", "John Fiske", "Lowell",
    "McKinley", "Noble Prentis", "Quindaro", "Stony Point", "Welborn", "White Church", "Eisenhower",
    "Coronado", "Gloria Willis", "Junction", "Silver City", "Mark Twain", "Bryant", "Blenheim", "Crispus Attucks",
    "Foreign Language Academy", "Lakeview", "Oak Grove", "Pleasant Valley", "Prairie Point", "Riverview",
    "Spring Valley", "Sunflower", "Timberline", "Westridge", "Woodland", "Mill Creek", "Indian Creek",
)

# (level name, lowest grade, highest grade, relative frequency); kindergarten is grade 0
SCHOOL_LEVELS = (
    ("Elementary School", 0, 5, 55),
    ("Middle School", 6, 8, 20),
    ("High School", 9, 12, 20),
    ("Academy", 0, 8, 5),
)

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Christopher", "Karen",
    "Charles", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Margaret",
    "Donald", "Ashley", "Steven", "Kimberly", "Andrew", "Emily", "Paul", "Donna", "Joshua", "Michelle",
    "Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "Timothy", "Deborah", "Ronald", "Stephanie",
    "Jose", "Maria", "Luis", "Guadalupe", "Carlos", "Ana", "Juan", "Rosa", "Miguel", "Sofia",
    "DeShawn", "Aaliyah", "Jamal", "Imani", "Malik", "Keisha", "Tyrone", "Latoya", "Darnell", "Ebony",
    "Nguyen", "Linh", "Minh", "Mai", "Wei", "Mei", "Hiroshi", "Yuki", "Priya", "Arjun",
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Isabella", "Mateo", "Mia", "Lucas",
    "Harper", "Levi", "Evelyn", "Ezekiel", "Abigail", "Jaxon", "Camila", "Kai", "Zoe", "Xavier",
    "Jean-Pierre", "Mary-Kate", "Ahmed", "Fatima", "Omar", "Amira", "Kwame", "Ama", "Dmitri", "Olga",
    "Seamus", "Siobhan", "Bjorn", "Ingrid", "Rafael", "Lucia", "Tomas", "Elena", "Andre", "Monique",
)

LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
    "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes",
    "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper",
    "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson",
    "O'Brien", "O'Connor", "McCarthy", "MacDonald", "McKinney", "De La Cruz", "Van Buren", "St. John",
    "Washington", "Jefferson", "Okafor", "Mensah", "Tran", "Pham", "Patel", "Shah", "Chen", "Wang",
    "Kowalski", "Novak", "Schmidt", "Muller", "Johansson", "Larsen", "Ivanov", "Popescu", "Haddad", "Khan",
    "Smith-Jones", "Garcia-Lopez", "Whitehorse", "Redcloud", "Yazzie", "Begay", "Nakamura", "Tanaka",
)

MIDDLE_NAMES = ("A.", "B.", "C.", "J.", "M.", "R.", "Lee", "Ann", "Marie", "James", "Lynn", "Ray", "Jo")

STREET_NAMES = (
    "Main St", "Grand Blvd", "Troost Ave", "Prospect Ave", "Wornall Rd", "Ward Pkwy", "Broadway Blvd",
    "State Ave", "Parallel Pkwy", "Minnesota Ave", "Quindaro Blvd", "Metcalf Ave", "Nall Ave", "Antioch Rd",
    "Blue Ridge Blvd", "Noland Rd", "Independence Ave", "Truman Rd", "Linwood Blvd", "Armour Blvd",
    "Gregory Blvd", "Meyer Blvd", "Red Bridge Rd", "Holmes Rd", "Oak St", "Walnut St", "Cherry St",
    "Locust St", "Baltimore Ave", "Wyandotte St", "Southwest Blvd", "Shawnee Mission Pkwy", "College Blvd",
    "Barry Rd", "Vivion Rd", "N Oak Trfy", "Front St", "Johnson Dr", "75th St", "Stadium Dr",
)

# (city, state, zip codes)
CITIES = (
    ("Kansas City", "MO", ("64105", "64106", "64108", "64109", "64110", "64111", "64112", "64113", "64114",
                           "64123", "64124", "64127", "64128", "64129", "64130", "64131", "64132", "64134")),
    ("Kansas City", "KS", ("66101", "66102", "66103", "66104", "66105", "66106", "66109", "66111", "66112")),
    ("Overland Park", "KS", ("66204", "66207", "66210", "66212", "66213", "66221", "66223")),
    ("Olathe", "KS", ("66061", "66062")),
    ("Lenexa", "KS", ("66215", "66219")),
    ("Shawnee", "KS", ("66203", "66216", "66226")),
    ("Lee's Summit", "MO", ("64063", "64064", "64081", "64082")),
    ("Independence", "MO", ("64050", "64052", "64055", "64056")),
    ("Raytown", "MO", ("64133", "64138")),
    ("Grandview", "MO", ("64030",)),
    ("Gladstone", "MO", ("64118", "64119")),
    ("Liberty", "MO", ("64068",)),
    ("North Kansas City", "MO", ("64116",)),
    ("Belton", "MO", ("64012",)),
    ("Blue Springs", "MO", ("64014", "64015")),
    ("Mission", "KS", ("66202",)),
    ("Prairie Village", "KS", ("66208",)),
)

COUNTRY_SPELLINGS = ("United States", "United States", "United States", "US", "USA", "United States of America")

PERSONAL_EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "aol.com",
                          "sbcglobal.net", "kc.rr.com", "att.net", "comcast.net")

ORG_WORDS = (
    "Heartland", "Midwest", "Prairie", "Crossroads", "Riverfront", "Union Station", "Plaza", "Westport",
    "Northland", "Blue River", "Gateway", "Summit", "Pioneer", "Frontier", "Cornerstone", "Keystone",
    "Liberty", "Fountain", "Parkway", "Brookside", "Waldo", "Midtown", "Crown", "Monarch", "Sunflower",
    "Show-Me", "Cardinal", "Bluestem", "Ironhorse", "Boulevard", "Paseo", "Signal", "Beacon", "Harbor",
)
ORG_NOUNS = (
    "Health", "Bank", "Engineering", "Construction", "Logistics", "Insurance", "Energy", "Software",
    "Analytics", "Architects", "Dental", "Legal", "Marketing", "Realty", "Foods", "Manufacturing", "Credit Union",
    "Media", "Consulting", "Financial", "Medical Center", "Community Foundation", "Youth Services",
    "Arts Council", "Technologies", "Design Studio", "Accounting", "Veterinary Clinic", "Robotics", "Nursing",
)
ORG_SUFFIXES = ("", "", "", "LLC", "Inc.", "Group", "Partners", "Co.", "Corporation", "& Associates",
                "Foundation", "Alliance")
WELL_KNOWN_ORGS = (
    "Hallmark Cards", "H&R Block", "Burns & McDonnell", "Black & Veatch", "Cerner", "Oracle Health",
    "Garmin", "Children's Mercy Hospital", "Saint Luke's Health System", "University Health", "KU Medical Center",
    "UMKC", "Kansas City Kansas Community College", "Metropolitan Community College", "Federal Reserve Bank of "
    "Kansas City", "Commerce Bank", "UMB Bank", "Evergy", "BNSF Railway", "Ford Kansas City Assembly Plant",
    "JE Dunn Construction", "McCownGordon", "Kansas City Chiefs", "Kansas City Royals", "Sporting KC",
    "KC Water", "Unified Government of Wyandotte County", "City of Kansas City, MO", "Junior Achievement",
    "Big Brothers Big Sisters of Kansas City", "Boys & Girls Clubs of Greater Kansas City", "YMCA of Greater KC",
    "Harvesters", "Nelson-Atkins Museum of Art", "Kauffman Foundation", "KC Digital Drive", "Google Fiber",
    "T-Mobile", "AT&T", "Lockton Companies", "Terracon", "Olsson", "HNTB", "DeBruce", "American Century",
)
INDUSTRIES = ("Healthcare", "Engineering", "Finance", "Education", "Technology", "Construction", "Government",
              "Nonprofit", "Manufacturing", "Legal", "Marketing", "Transportation", "Hospitality", "Energy")

TITLES = ("Engineer", "Senior Engineer", "Registered Nurse", "Physician", "Accountant", "Financial Analyst",
          "Software Developer", "Project Manager", "Marketing Manager", "Attorney", "Paralegal", "Teacher",
          "Retired", "Owner", "CEO", "Vice President", "Director of Operations", "HR Generalist",
          "Electrician", "Architect", "Data Scientist", "Pharmacist", "Police Officer", "Firefighter",
          "Chef", "Graphic Designer", "Sales Representative", "Student", "Consultant", "Veterinarian")
DEPARTMENTS = ("Engineering", "Finance", "Human Resources", "Operations", "Marketing", "Sales", "IT", "Legal",
               "Nursing", "Community Relations", "Research", "Facilities")
TEACHER_TITLES = ("Teacher", "Teacher", "Teacher", "Counselor", "Career Coordinator", "Principal",
                  "Assistant Principal", "Librarian", "Instructional Coach")
TEACHER_DEPARTMENTS = ("Math", "Science", "English", "Social Studies", "Career & Technical Education", "Art",
                       "Music", "Physical Education", "Special Education", "ELL", "Counseling", "Business")

SKILLS = (
    "Public Speaking", "Mentoring", "Tutoring", "Data Analysis", "JavaScript", "Python", "Project Management",
    "Accounting", "Graphic Design", "Healthcare", "Nursing", "Engineering", "Construction", "Welding",
    "Marketing", "Sales", "Leadership", "Resume Writing", "Interview Skills", "Financial Literacy",
    "Spanish", "Photography", "Video Production", "Robotics", "Carpentry", "Culinary Arts", "Law",
    "Entrepreneurship", "Social Media", "Event Planning", "Customer Service", "Writing", "Coding",
)
TRUNCATED_SKILLS = ("Healthcare...", "P...", "...", "Engineeri...", "Data Analy...")
INTERESTS = ("Career Speaking", "Mentoring", "Career Fairs", "Workplace Visits", "Mock Interviews",
             "Tutoring", "Pathways", "Virtual Sessions", "Classroom Speaker", "Job Shadowing",
             "College Prep", "STEM", "Arts")

SESSION_TOPICS = (
    "Careers in Healthcare", "A Day in the Life of an Engineer", "Financial Literacy 101", "Mock Interviews",
    "Resume Workshop", "Careers in Construction", "Meet a Software Developer", "Entrepreneurship Panel",
    "Exploring Law Careers", "Careers in Public Service", "STEM Showcase", "Skilled Trades Day",
    "College and Career Readiness", "Networking Basics", "Careers in Aviation", "The Business of Sports",
    "Design Thinking Challenge", "Careers in Media", "Cybersecurity Basics", "Environmental Careers",
)
SKILL_TAGS = (
    "PWY-Healthcare", "PWY-Engineering", "PWY-Business", "PWY-IT", "PWY-Construction", "PWY-Education",
    "Skills-Communication", "Skills-Teamwork", "Skills-Problem Solving", "Skills-Public Speaking",
    "Skills-Critical Thinking", "CCE-College Readiness", "CCE-Career Exploration", "CCE-FAFSA",
    "CSCs-Collaboration", "CSCs-Self-Management", "CSCs-Professionalism", "ACT-Career Exploration",
    "ACT-Hands-On Activity", "ACT-Q&A", "Coding", "Leadership",
)
PATHWAYS = (
    "Healthcare Pathway", "Engineering & Manufacturing Pathway", "IT & Computer Science Pathway",
    "Business & Finance Pathway", "Construction & Trades Pathway", "Education Pathway", "Arts & Media Pathway",
    "Public Service Pathway", "Hospitality Pathway", "Transportation & Logistics Pathway", "Agriculture Pathway",
    "Law & Public Safety Pathway",
)

STAFF = ("Jordan Ellis", "Casey Morgan", "Taylor Brooks", "Riley Chen", "Avery Johnson", "Morgan Patel",
         "Quinn Ramirez", "Jamie Okafor")
STAFF_DOMAIN = "prepkc.org"

TASK_SUBJECTS = {
    "Call": ("Call", "Follow-up call", "Left voicemail", "Call: scheduling", "Phone screen"),
    "Email": ("Email: Thank you for volunteering!", "Email: Session reminder", "Email: Volunteer opportunity",
              "Email: Background check", "Email: Welcome to PREP-KC"),
    "Meeting": ("Meeting", "Orientation meeting", "Coffee with volunteer", "Partner check-in"),
    "Other": ("Note", "Update record", "Sent thank-you card"),
    "status_update": ("Status update",),
    None: ("Follow up", "To do", "Reminder", "Logged activity"),
}
EMAIL_SUBJECTS = ("Thank you for volunteering!", "Upcoming session details", "Volunteer opportunity this week",
                  "RE: Career Day", "Your PREP-KC volunteer account", "Reminder: session tomorrow",
                  "RE: Availability", "Welcome to PREP-KC", "Follow-up from our call", "FW: Student thank-you notes")
EMAIL_BODIES = (
    "Hi {first},\n\nThank you for volunteering with PREP-KC. The students loved hearing from you.\n\nBest,\n{staff}",
    "Hello {first},\n\nThis is a reminder about your upcoming session. Please arrive 15 minutes early.\n\n{staff}",
    "Hi {first},\n\nWe have a new opportunity that matches your skills. Are you available?\n\nThanks,\n{staff}",
    "{first},\n\nFollowing up on our conversation. Let me know if you have any questions.\n\n{staff}",
)
CASE_SUBJECTS = ("Background check question", "Update contact information", "Unsubscribe request",
                 "Session cancellation", "Volunteer hours correction", "Duplicate record", "Login problem")
DESCRIPTION_SNIPPETS = (
    "Long-time partner; prefers morning sessions.",
    "Interested in speaking to high school students about careers.",
    "Met at the fall career fair.",
    "Company offers paid volunteer time.",
    "Spanish speaker; can present bilingually.",
    "Referred by a current volunteer.",
)
