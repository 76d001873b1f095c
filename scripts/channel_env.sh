# Sourced by run.sh and run_scale.sh. credentials.yml reads these with ${VAR},
# which Rasa refuses when a variable is unset. Unset means "channel off": the
# Slack and Telegram channels start disabled (their webhooks answer 503) until
# their variables are set.
for var in SLACK_BOT_TOKEN SLACK_SIGNING_SECRET SLACK_CHANNEL \
           TELEGRAM_BOT_TOKEN TELEGRAM_BOT_USERNAME TELEGRAM_SECRET_TOKEN TELEGRAM_WEBHOOK_URL; do
  export "$var=${!var:-}"
done
export SLACK_API_URL=${SLACK_API_URL:-https://slack.com/api/}
export TELEGRAM_API_URL=${TELEGRAM_API_URL:-https://api.telegram.org}
