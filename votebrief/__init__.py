"""VoteBrief: election briefings built from Markdown files with YAML front-matter."""
