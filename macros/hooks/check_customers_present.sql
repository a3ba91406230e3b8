{#
    Runs before every build (on-run-start), after check_raw_sources: an export whose
    customers table holds no row stops the run saying so, instead of failing generic tests
    (and the segment fits) further on.
#}
{% macro check_customers_present(source_name='broker') %}
    {{ return(adapter.dispatch('check_customers_present', 'broker_segments')(source_name)) }}
{% endmacro %}

{% macro default__check_customers_present(source_name) %}
    {% if execute and not flags.EMPTY %}
        {% for node in graph.sources.values()
            if node.source_name == source_name and node.package_name == project_name
            and node.name == 'customers' %}
            {% set folder = raw_table_folder(node.name, source_name) %}
            {# the files the staging view reads (every Parquet file below the folder) #}
            {% set pattern = sql_string(raw_parquet_glob(folder)) %}
            {% set rows = run_query(
                "select coalesce(sum(num_rows), 0) from parquet_file_metadata(" ~ pattern ~ ")"
            ).columns[0].values()[0] %}
            {% if rows == 0 %}
                {{ exceptions.raise_compiler_error(
                    "Raw table 'customers': the files in '" ~ folder ~ "' hold no row, so there "
                    ~ "is nobody to segment. Check the export (BROKER_RAW_DIR)."
                ) }}
            {% endif %}
        {% endfor %}
    {% endif %}
{% endmacro %}

{# On Spark the raw table is the view check_raw_sources declared. #}
{% macro spark__check_customers_present(source_name) %}
    {% if execute and not flags.EMPTY %}
        {% set rows = run_query('select count(*) from ' ~ source_name ~ '.customers').columns[0].values()[0] %}
        {% if rows == 0 %}
            {{ exceptions.raise_compiler_error(
                "Raw table 'customers': the export holds no customer row, so there is nobody to "
                ~ "segment. Check the export (BROKER_RAW_DIR)."
            ) }}
        {% endif %}
    {% endif %}
{% endmacro %}
