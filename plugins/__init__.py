"""Built-in scenario plugins, registered through entry points like any third party's."""
