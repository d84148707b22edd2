"""Local stand-ins for SMS providers: real HTTP servers on 127.0.0.1 that check each
request as the provider documents it and answer as the provider does."""
