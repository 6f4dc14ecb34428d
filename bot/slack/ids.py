"""Every id Slack sends back to the app, in one place: the slash command, the shortcut, action ids,
modal callback ids and the workflow step. Block builders and listeners both import them from here,
so a button and the listener for its clicks cannot drift apart. Plain strings: no Slack imports."""

from __future__ import annotations

# The manifest (slack/manifest.yaml) declares these three.
COMMAND = "/glossary"
EXPLAIN_SHORTCUT = "explain_terms"  # the message shortcut "Explain terms in this message"
LOOKUP_STEP = "lookup_term"  # the Workflow Builder step: the manifest's functions.<callback_id>

# Answer controls (bot/render.py).
SHARE = "glossary_share"
EXAMPLE = "glossary_example"
PICK_PART = "glossary_pick_part"
CHOOSE = "glossary_choose"  # did-you-mean buttons: CHOOSE_0 … CHOOSE_2 (ids must be unique in a block)

# Paging the A–Z list and App Home (bot/views.py): <id>_prev / <id>_next, and HOME_LETTER_<letter>.
LIST_PAGE = "glossary_list_page"
HOME_PAGE = "glossary_home_page"
HOME_LETTER = "glossary_home_letter"

# The knowledge loop (bot/feedback.py): buttons, then the modals they open.
FEEDBACK = "glossary_feedback"
WHAT_WRONG = "glossary_what_wrong"
ASK_OWNER = "glossary_ask_owner"
SUGGEST = "glossary_suggest"
WHAT_WRONG_VIEW = "glossary_what_wrong_view"
SUGGEST_VIEW = "glossary_suggest_view"

# A link preview's button (bot/slack/listeners/unfurls.py): a link, so its clicks are only acked.
OPEN_PAGE = "glossary_open_page"
