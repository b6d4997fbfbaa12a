"""Survey results: scoring respondents, anonymity, reliability, trends and the pipeline that runs them."""
