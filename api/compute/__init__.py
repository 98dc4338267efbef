"""Work the app does for requests: evaluating stored scenarios through the score cache, and
background jobs (proposals) with their scope."""
