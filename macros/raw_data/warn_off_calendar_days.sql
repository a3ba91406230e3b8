{#
    A post-hook of int_balance_days: one warning per balance date that is no trading day,
    naming the day, its reporting and open accounts and where its rows went, so the build log
    says which day was left out of the calendar and why (the rows are in quarantined_rows).
#}
{% macro warn_off_calendar_days() %}
    {%- if execute and this is not string -%}
        {%- set days = run_query(
            'select balance_date, reporting_accounts, open_accounts from ' ~ this
            ~ ' where not is_trading_day order by balance_date'
        ) -%}
        {%- for day in days.rows -%}
            {%- do exceptions.warn(
                "Raw table 'daily_balances': " ~ day[0] ~ " is not a trading day: only "
                ~ day[1] ~ " of " ~ day[2] ~ " open accounts have a balance row on it (var "
                ~ "min_trading_day_coverage is " ~ var('min_trading_day_coverage') ~ "). Its rows "
                ~ "are quarantined as non_trading_day (quarantined_rows) and no indicator counts it."
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
